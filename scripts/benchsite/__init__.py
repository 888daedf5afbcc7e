"""What `make bench` adds to the site while it measures, and nothing a production
server loads: the data set (data.py, seed.py), the hello-world and fortunes
baseline (views.py), and the settings that mount it (settings.py, urls.py)."""
