"""The benchmark's own floor: hello-world and a TechEmpower-style "fortunes" view.

`make bench` compares every real page with these, measured in the same run, so that
the numbers say how far a page is from what Django itself costs on this machine.
Mounted only when SOMEHUB_BENCH=1 (see somehub/urls.py): never part of the site.
"""
