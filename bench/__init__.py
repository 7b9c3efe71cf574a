"""``make bench``: load the local stack with wrk and write bench/RESULTS.md from the run."""
