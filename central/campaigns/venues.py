"""The OpenOOH venue types (taxonomy 1.1) a government LED screen may stand in, by id."""

from __future__ import annotations

# Enumeration ids and names from github.com/openooh/venue-taxonomy (specification 1.1);
# only the outdoor and transit venues a city's LED wall stands in, so a typo is caught.
VENUE_TYPES = {
    3: "outdoor",
    301: "outdoor.billboards",
    30101: "outdoor.billboards.roadside",
    30102: "outdoor.billboards.highway",
    30103: "outdoor.billboards.spectacular",
    302: "outdoor.urban_panels",
    303: "outdoor.bus_shelters",
    1: "transit",
    102: "transit.buses",
    10202: "transit.buses.terminal",
    106: "transit.train_stations",
    10103: "transit.airports.departures_hall",
    205: "retail.mall",
    20503: "retail.mall.spectacular",
}
ROADSIDE_BILLBOARD = 30101  # the default: a videotron beside a city road
