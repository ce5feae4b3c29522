"""HTTP endpoints that are not generated from resource declarations."""
