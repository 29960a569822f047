"""Worker programs that workshop_utils.multiworker starts, one process each."""
