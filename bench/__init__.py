"""The benchmark (``make bench``) and the scale-out proof (``make scaleout``); see README, "Benchmark"."""
