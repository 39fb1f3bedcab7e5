"""Model persistence: the versioned, checksummed model directory."""
