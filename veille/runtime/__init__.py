"""Run the Chalice app's handlers on a laptop: DynamoDB Local, schedules, a stream poller, HTTP."""
