"""/metrics for Prometheus: `recorder` keeps the counters every process adds to, `collector`
turns them and the job tables into metric families at scrape time, `views` serves them."""
