"""The gate's engine: device threads → queue → one writer; the lease; the scheduler."""
