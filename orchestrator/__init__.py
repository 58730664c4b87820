"""Local, durable AWS Step Functions engine."""
