"""Running Lindung for real: ``lindung serve`` starts the web server and the task worker(s) together and keeps
them running (``supervisor``)."""
