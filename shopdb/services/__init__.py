"""Services shared by every interface (API, UI, CLI): migrations, seeds, users,
positions."""
