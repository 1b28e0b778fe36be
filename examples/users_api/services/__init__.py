"""The service layer: what the API does, apart from HTTP. Views parse and check the
request, call a service and present its result; services raise :mod:`..exceptions`."""
