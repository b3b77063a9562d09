"""Fictional companies and people for the sample portfolio (any resemblance to real firms is accidental)."""

from __future__ import annotations

__all__ = ["HOME_ENTITIES", "COUNTERPARTIES", "SIGNATORIES", "TITLES"]

# (name, stem fragment, description, address)
HOME_ENTITIES = [
    ("Northwind Traders, Inc.", "northwind", "a Delaware corporation", "1200 Harbor Point Drive, Seattle, Washington 98101"),
    ("Northwind Health Services LLC", "northwind-health", "a Washington limited liability company",
     "1200 Harbor Point Drive, Suite 400, Seattle, Washington 98101"),
]

COUNTERPARTIES = [
    ("Acme Analytics LLC", "acme", "a Colorado limited liability company", "455 Larimer Street, Denver, Colorado 80202"),
    ("Bluefin Logistics, Inc.", "bluefin", "a California corporation", "88 Embarcadero Way, Oakland, California 94607"),
    ("Cobalt Ridge Software Corp.", "cobalt-ridge", "a Delaware corporation", "301 Congress Avenue, Austin, Texas 78701"),
    ("Dunmore Facilities Services LLC", "dunmore", "an Illinois limited liability company", "2140 West Fulton Street, Chicago, Illinois 60612"),
    ("Evergreen Cloud Hosting, Inc.", "evergreen", "an Oregon corporation", "917 SW Alder Street, Portland, Oregon 97205"),
    ("Fairhaven Data Systems, Inc.", "fairhaven", "a Massachusetts corporation", "60 State Street, Boston, Massachusetts 02109"),
    ("Granite Peak Consulting Group LLC", "granite-peak", "a Utah limited liability company", "175 South Main Street, Salt Lake City, Utah 84111"),
    ("Harborview Equipment Leasing Co.", "harborview", "a New Jersey corporation", "10 Exchange Place, Jersey City, New Jersey 07302"),
    ("Ironwood Manufacturing Company", "ironwood", "an Ohio corporation", "4400 Carnegie Avenue, Cleveland, Ohio 44103"),
    ("Juniper Lane Marketing, Inc.", "juniper-lane", "a New York corporation", "230 Park Avenue South, New York, New York 10003"),
    ("Keystone Payroll Partners LP", "keystone", "a Pennsylvania limited partnership", "1735 Market Street, Philadelphia, Pennsylvania 19103"),
    ("Lakeshore Medical Supply, Inc.", "lakeshore", "a Michigan corporation", "500 Woodward Avenue, Detroit, Michigan 48226"),
    ("Meridian Security Labs LLC", "meridian", "a Virginia limited liability company", "1900 Campus Commons Drive, Reston, Virginia 20191"),
    ("Northgate Translation Services Ltd.", "northgate", "a company organized under the laws of Ontario",
     "77 King Street West, Toronto, Ontario M5K 1A1"),
    ("Oakhurst Print & Mail, Inc.", "oakhurst", "a Georgia corporation", "1100 Peachtree Street NE, Atlanta, Georgia 30309"),
    ("Pinecrest Telecom Corporation", "pinecrest", "a Texas corporation", "2001 Ross Avenue, Dallas, Texas 75201"),
    ("Quarry Hill Engineering PLLC", "quarry-hill", "a North Carolina professional limited liability company",
     "421 Fayetteville Street, Raleigh, North Carolina 27601"),
    ("Redwood Benefits Administration, Inc.", "redwood", "a Nevada corporation", "3960 Howard Hughes Parkway, Las Vegas, Nevada 89169"),
    ("Silverline Staffing Solutions LLC", "silverline", "a Florida limited liability company", "200 South Biscayne Boulevard, Miami, Florida 33131"),
    ("Tidewater Freight Corp.", "tidewater", "a Maryland corporation", "100 Light Street, Baltimore, Maryland 21202"),
    ("Umber & Finch Design Studio LLC", "umber-finch", "a Minnesota limited liability company", "250 Marquette Avenue, Minneapolis, Minnesota 55401"),
    ("Vantage Point Research, Inc.", "vantage-point", "an Arizona corporation", "2 North Central Avenue, Phoenix, Arizona 85004"),
    ("Westbrook Industrial Supply Co.", "westbrook", "a Wisconsin corporation", "777 East Wisconsin Avenue, Milwaukee, Wisconsin 53202"),
    ("Yellowstone Energy Services LLC", "yellowstone", "a Montana limited liability company", "401 North 31st Street, Billings, Montana 59101"),
    ("Zephyr Software Labs, Inc.", "zephyr", "a Delaware corporation", "535 Mission Street, San Francisco, California 94105"),
    ("Alder Creek Environmental LLC", "alder-creek", "an Idaho limited liability company", "800 West Main Street, Boise, Idaho 83702"),
    ("Brightwater Hospitality Group, Inc.", "brightwater", "a Tennessee corporation", "150 Fourth Avenue North, Nashville, Tennessee 37219"),
    ("Copperleaf Learning Systems LLC", "copperleaf", "a Kansas limited liability company", "1200 Main Street, Kansas City, Missouri 64105"),
    ("Driftwood Records Management, Inc.", "driftwood", "a South Carolina corporation", "55 Beattie Place, Greenville, South Carolina 29601"),
    ("Eastlake Biometrics Corp.", "eastlake", "a Delaware corporation", "10 Fawcett Street, Cambridge, Massachusetts 02138"),
    ("Foxglove Packaging Company", "foxglove", "an Indiana corporation", "111 Monument Circle, Indianapolis, Indiana 46204"),
    ("Gullwing Aviation Services LLC", "gullwing", "an Alaska limited liability company", "188 West Northern Lights Boulevard, Anchorage, Alaska 99503"),
    ("Hollis & Crane Advisory LLP", "hollis-crane", "a New York limited liability partnership", "1 Liberty Plaza, New York, New York 10006"),
    ("Indigo Bay Payments, Inc.", "indigo-bay", "a Delaware corporation", "600 Brickell Avenue, Miami, Florida 33131"),
    ("Jasper Valley Foods Co.", "jasper-valley", "an Iowa corporation", "666 Grand Avenue, Des Moines, Iowa 50309"),
    ("Kestrel Network Solutions, Inc.", "kestrel", "a Colorado corporation", "1801 California Street, Denver, Colorado 80202"),
    ("Lumen Grove Media LLC", "lumen-grove", "a California limited liability company", "9100 Wilshire Boulevard, Beverly Hills, California 90212"),
    ("Mossbank Water Technologies, Inc.", "mossbank", "an Arizona corporation", "1 East Washington Street, Phoenix, Arizona 85004"),
    ("Nightjar Translation Networks LLC", "nightjar", "a Vermont limited liability company", "30 Main Street, Burlington, Vermont 05401"),
    ("Orchard Street Capital Partners LP", "orchard-street", "a Delaware limited partnership", "45 Rockefeller Plaza, New York, New York 10111"),
]

SIGNATORIES = [
    "Dana M. Whitfield", "Rajiv Malhotra", "Carmen L. Ortega", "Thomas J. Keller", "Aisha N. Bello", "Peter Lindqvist",
    "Grace H. Okafor", "Samuel R. Brandt", "Mei-Ling Chou", "Jonathan P. Reyes", "Hannah Schultz", "Victor A. Nwosu",
    "Olivia Marchetti", "Benjamin K. Hale", "Priya Raman", "Marcus T. Delgado", "Elena Petrova", "Kenji Watanabe",
    "Laura E. Fitzgerald", "Daniel O'Connor", "Fatima Al-Sayed", "Robert W. Lang", "Sophie Tremblay", "Andre Baptiste",
]  # fmt: skip

TITLES = [
    "Chief Executive Officer", "Chief Financial Officer", "Chief Operating Officer", "General Counsel",
    "Vice President, Procurement", "Vice President, Operations", "Director of Vendor Management", "President",
    "Managing Member", "Senior Vice President, Finance", "Chief Information Officer", "Managing Partner",
]  # fmt: skip
