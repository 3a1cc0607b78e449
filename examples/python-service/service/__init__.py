"""golden's example Python service: a health check and a greeting over HTTP."""
