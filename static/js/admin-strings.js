// Django 6.1's admin JavaScript strings that its German catalogue lacks yet:
// listed here so that `make messages` (djangojs) puts them into the site's
// catalogue, which the admin's jsi18n reads first. Never loaded by any page.
/* global gettext, ngettext */
"use strict";
(function () {
  return [
    gettext("Choose %s by selecting them and then select the \"Choose\" arrow button."),
    gettext("Choose all %s"),
    gettext("Choose selected %s"),
    gettext("Remove selected %s"),
    gettext("Remove %s by selecting them and then select the \"Remove\" arrow button."),
    gettext("(click to clear)"),
    gettext("Remove all %s"),
    gettext("You have selected an action, and you haven’t made any changes on individual fields. You’re probably looking for the Run button rather than the Save button."),
    gettext("server"),
    ngettext("Note: Enter times in the %(timezone)s timezone. (You are %(offset)s hour ahead.)", "Note: Enter times in the %(timezone)s timezone. (You are %(offset)s hours ahead.)", 1),
    ngettext("Note: Enter times in the %(timezone)s timezone. (You are %(offset)s hour behind.)", "Note: Enter times in the %(timezone)s timezone. (You are %(offset)s hours behind.)", 1),
    gettext("Today (%(date)s)"),
    gettext("Yesterday (%(date)s)"),
    gettext("Tomorrow (%(date)s)"),
    gettext("Previous (%(month)s %(year)s)"),
    gettext("Next (%(month)s %(year)s)"),
    gettext("%(month)s %(day)s, %(year)s"),
    gettext("%s (today, current selection)"),
    gettext("%s (today)"),
    gettext("%s (current selection)"),
  ];
});
