"""The HTTP edge shared by every Lambda handler: API Gateway events in, responses out."""
