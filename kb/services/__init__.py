"""The service layer: changes to the domain. Functions flush; callers commit."""
