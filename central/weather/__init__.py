"""BMKG's forecast for each screen group's area, fetched by the office and published signed."""
