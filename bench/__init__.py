"""LeadShare's benchmark: a deterministic data generator, a load driver and its results."""
