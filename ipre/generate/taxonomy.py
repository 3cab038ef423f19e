"""Static vocabulary of the synthetic distributor: regions, trades, categories, brands.

Everything here is an immutable constant; the generator only reads it. The catalogue has
15 L2 categories and 89 L3 sub-categories, each L3 tagged with a functionality group.
"""

from __future__ import annotations

from typing import NamedTuple


class L2Category(NamedTuple):
    name: str
    brands: tuple[str, str, str, str, str]
    base_price: float  # median unit price in this department
    typical_qty: float  # median units per invoice line (consumables high, tools low)
    l3: tuple[tuple[str, str], ...]  # (l3 name, functionality)


L2_CATEGORIES: tuple[L2Category, ...] = (
    L2Category(
        "Power Tools",
        ("DeWalt", "Milwaukee", "Makita", "Bosch", "Ryobi"),
        180.0,
        1.0,
        (
            ("Cordless Drills", "Drilling"),
            ("Impact Drivers", "Fastening"),
            ("Circular Saws", "Cutting"),
            ("Reciprocating Saws", "Cutting"),
            ("Angle Grinders", "Cutting"),
            ("Sanders", "Finishing"),
            ("Rotary Hammers", "Drilling"),
        ),
    ),
    L2Category(
        "Hand Tools",
        ("Stanley", "Klein Tools", "Estwing", "Irwin", "Crescent"),
        24.0,
        2.0,
        (
            ("Hammers", "Fastening"),
            ("Screwdrivers", "Fastening"),
            ("Wrenches", "Fastening"),
            ("Pliers", "Gripping"),
            ("Utility Knives", "Cutting"),
            ("Levels", "Measuring"),
            ("Tape Measures", "Measuring"),
        ),
    ),
    L2Category(
        "Fasteners",
        ("Simpson Strong-Tie", "Grip-Rite", "Hillman", "Spax", "Tapcon"),
        11.0,
        20.0,
        (
            ("Wood Screws", "Fastening"),
            ("Drywall Screws", "Fastening"),
            ("Anchors", "Fastening"),
            ("Nails", "Fastening"),
            ("Bolts & Nuts", "Fastening"),
            ("Concrete Screws", "Fastening"),
        ),
    ),
    L2Category(
        "Paints",
        ("Behr", "Sherwin-Williams", "Benjamin Moore", "PPG", "Valspar"),
        42.0,
        8.0,
        (
            ("Interior Paint", "Finishing"),
            ("Exterior Paint", "Protection"),
            ("Primers", "Finishing"),
            ("Stains", "Finishing"),
            ("Floor Coatings", "Protection"),
        ),
    ),
    L2Category(
        "Painting Supplies",
        ("Purdy", "Wooster", "ScotchBlue", "Shur-Line", "Warner"),
        9.0,
        12.0,
        (
            ("Paint Brushes", "Finishing"),
            ("Roller Covers", "Finishing"),
            ("Roller Frames", "Finishing"),
            ("Drop Cloths", "Protection"),
            ("Painter's Tape", "Finishing"),
            ("Paint Trays", "Finishing"),
        ),
    ),
    L2Category(
        "Plumbing",
        ("SharkBite", "Charlotte Pipe", "NIBCO", "Mueller", "Uponor"),
        16.0,
        10.0,
        (
            ("PVC Pipes", "Flow Control"),
            ("Copper Pipes", "Flow Control"),
            ("PEX Tubing", "Flow Control"),
            ("Pipe Fittings", "Joining"),
            ("Valves", "Flow Control"),
            ("Drains & Traps", "Flow Control"),
        ),
    ),
    L2Category(
        "Plumbing Fixtures",
        ("Moen", "Kohler", "Delta", "American Standard", "Rheem"),
        230.0,
        1.0,
        (
            ("Faucets", "Flow Control"),
            ("Toilets", "Sanitation"),
            ("Water Heaters", "Heating"),
            ("Sinks", "Sanitation"),
            ("Shower Valves", "Flow Control"),
        ),
    ),
    L2Category(
        "Electrical",
        ("Southwire", "Square D", "Leviton", "Eaton", "Ideal"),
        21.0,
        15.0,
        (
            ("Wire & Cable", "Power Distribution"),
            ("Circuit Breakers", "Power Distribution"),
            ("Outlets & Switches", "Power Distribution"),
            ("Conduit", "Power Distribution"),
            ("Electrical Boxes", "Power Distribution"),
            ("Wire Connectors", "Joining"),
        ),
    ),
    L2Category(
        "Lighting",
        ("Lithonia", "Philips", "Cree", "Halo", "Hubbell"),
        52.0,
        6.0,
        (
            ("LED Fixtures", "Lighting"),
            ("Light Bulbs", "Lighting"),
            ("Recessed Lighting", "Lighting"),
            ("Outdoor Lighting", "Lighting"),
            ("Emergency Lighting", "Lighting"),
        ),
    ),
    L2Category(
        "HVAC",
        ("Honeywell", "Carrier", "Trane", "Lennox", "Goodman"),
        58.0,
        5.0,
        (
            ("Ductwork", "Climate Control"),
            ("Air Filters", "Climate Control"),
            ("Thermostats", "Climate Control"),
            ("Registers & Grilles", "Climate Control"),
            ("Refrigerant", "Climate Control"),
            ("Condensate Pumps", "Flow Control"),
        ),
    ),
    L2Category(
        "Adhesives & Sealants",
        ("DAP", "Loctite", "Gorilla", "Oatey", "GE"),
        8.0,
        12.0,
        (
            ("Caulk", "Sealing"),
            ("Construction Adhesive", "Joining"),
            ("Silicone Sealant", "Sealing"),
            ("Pipe Cement", "Joining"),
            ("Thread Sealant", "Sealing"),
            ("Epoxy", "Joining"),
        ),
    ),
    L2Category(
        "Safety & PPE",
        ("3M", "MSA", "Ansell", "Radians", "Ergodyne"),
        13.0,
        10.0,
        (
            ("Safety Glasses", "Protection"),
            ("Work Gloves", "Protection"),
            ("Hard Hats", "Protection"),
            ("Respirators", "Protection"),
            ("Hearing Protection", "Protection"),
            ("Hi-Vis Vests", "Protection"),
        ),
    ),
    L2Category(
        "Building Materials",
        ("Georgia-Pacific", "Owens Corning", "Quikrete", "USG", "LP Building"),
        27.0,
        25.0,
        (
            ("Dimensional Lumber", "Structure"),
            ("Plywood", "Structure"),
            ("Drywall", "Structure"),
            ("Insulation", "Climate Control"),
            ("Concrete Mix", "Structure"),
            ("Roofing Shingles", "Protection"),
        ),
    ),
    L2Category(
        "Outdoor & Landscaping",
        ("Rain Bird", "Hunter", "Toro", "Orbit", "DeWitt"),
        19.0,
        10.0,
        (
            ("Irrigation Fittings", "Joining"),
            ("Sprinkler Heads", "Flow Control"),
            ("Drip Irrigation", "Flow Control"),
            ("Landscape Fabric", "Protection"),
            ("Pavers", "Structure"),
            ("Irrigation Controllers", "Flow Control"),
        ),
    ),
    L2Category(
        "Storage & Jobsite",
        ("Werner", "Husky", "Little Giant", "Southwire Tools", "Bora"),
        85.0,
        1.0,
        (
            ("Ladders", "Access"),
            ("Tool Bags", "Storage"),
            ("Tool Boxes", "Storage"),
            ("Work Lights", "Lighting"),
            ("Extension Cords", "Power Distribution"),
            ("Jobsite Storage", "Storage"),
        ),
    ),
)

L2_NAMES: tuple[str, ...] = tuple(c.name for c in L2_CATEGORIES)

# Regions with a mild size skew (more customers in the populous ones).
REGIONS: tuple[str, ...] = (
    "Northeast",
    "Mid-Atlantic",
    "Southeast",
    "Midwest",
    "South Central",
    "Mountain",
    "Southwest",
    "West",
)
REGION_WEIGHTS: tuple[float, ...] = (1.2, 1.0, 1.3, 1.2, 0.9, 0.6, 0.8, 1.3)


class Archetype(NamedTuple):
    name: str
    focus: tuple[str, ...]  # L2 categories this kind of account buys far more of
    share: float  # share of the trade's customers


class Trade(NamedTuple):
    name: str
    share: float  # share of all customers
    l2_weights: tuple[tuple[str, float], ...]  # trade-typical departments
    archetypes: tuple[Archetype, Archetype, Archetype]
    hot_regions: tuple[str, ...]  # regions where this trade is over-represented
    name_words: tuple[str, ...]  # words for company names


TRADES: tuple[Trade, ...] = (
    Trade(
        "Construction",
        0.20,
        (
            ("Building Materials", 4),
            ("Fasteners", 4),
            ("Power Tools", 3),
            ("Hand Tools", 2),
            ("Adhesives & Sealants", 2),
            ("Safety & PPE", 2),
            ("Storage & Jobsite", 1),
        ),
        (
            Archetype("framing", ("Building Materials", "Fasteners"), 0.45),
            Archetype("tool_heavy", ("Power Tools", "Storage & Jobsite"), 0.35),
            Archetype("interior_fitout", ("Adhesives & Sealants", "Safety & PPE"), 0.20),
        ),
        ("Southeast", "Southwest"),
        ("Construction", "Builders", "Contracting"),
    ),
    Trade(
        "Painting",
        0.14,
        (
            ("Paints", 5),
            ("Painting Supplies", 5),
            ("Adhesives & Sealants", 2),
            ("Safety & PPE", 1),
            ("Storage & Jobsite", 1),
            ("Hand Tools", 1),
        ),
        (
            Archetype("repaint", ("Paints",), 0.45),
            Archetype("prep_and_finish", ("Painting Supplies", "Adhesives & Sealants"), 0.35),
            Archetype("commercial_coatings", ("Safety & PPE", "Storage & Jobsite"), 0.20),
        ),
        ("Northeast", "West"),
        ("Painting", "Coatings", "Decorators"),
    ),
    Trade(
        "Plumbing",
        0.16,
        (
            ("Plumbing", 5),
            ("Plumbing Fixtures", 3),
            ("Adhesives & Sealants", 2),
            ("Hand Tools", 2),
            ("Power Tools", 1),
            ("Safety & PPE", 1),
        ),
        (
            Archetype("service_repair", ("Plumbing", "Adhesives & Sealants"), 0.45),
            Archetype("fixture_install", ("Plumbing Fixtures",), 0.35),
            Archetype("new_build", ("Power Tools", "Hand Tools"), 0.20),
        ),
        ("Midwest", "Northeast"),
        ("Plumbing", "Pipe & Drain", "Plumbing & Heating"),
    ),
    Trade(
        "Electrical",
        0.16,
        (
            ("Electrical", 5),
            ("Lighting", 3),
            ("Hand Tools", 2),
            ("Power Tools", 1),
            ("Safety & PPE", 1),
            ("Storage & Jobsite", 1),
        ),
        (
            Archetype("wiring", ("Electrical",), 0.45),
            Archetype("lighting_retrofit", ("Lighting",), 0.35),
            Archetype("industrial", ("Safety & PPE", "Power Tools"), 0.20),
        ),
        ("Mid-Atlantic", "South Central"),
        ("Electric", "Electrical", "Power Systems"),
    ),
    Trade(
        "HVAC",
        0.12,
        (
            ("HVAC", 5),
            ("Electrical", 2),
            ("Adhesives & Sealants", 2),
            ("Building Materials", 1),
            ("Hand Tools", 1),
            ("Safety & PPE", 1),
        ),
        (
            Archetype("maintenance", ("HVAC",), 0.45),
            Archetype("installation", ("Building Materials", "Electrical"), 0.35),
            Archetype("controls", ("Adhesives & Sealants", "Hand Tools"), 0.20),
        ),
        ("Southeast", "Southwest", "South Central"),
        ("Heating & Air", "HVAC", "Climate"),
    ),
    Trade(
        "Landscaping",
        0.10,
        (
            ("Outdoor & Landscaping", 5),
            ("Building Materials", 2),
            ("Power Tools", 2),
            ("Safety & PPE", 1),
            ("Lighting", 1),
            ("Hand Tools", 1),
        ),
        (
            Archetype("irrigation", ("Outdoor & Landscaping",), 0.45),
            Archetype("hardscape", ("Building Materials", "Power Tools"), 0.35),
            Archetype("outdoor_lighting", ("Lighting", "Safety & PPE"), 0.20),
        ),
        ("West", "Southwest", "Southeast"),
        ("Landscaping", "Lawn & Garden", "Outdoor"),
    ),
    Trade(
        "Facility Maintenance",
        0.12,
        (
            ("Lighting", 3),
            ("Electrical", 2),
            ("Plumbing", 2),
            ("Adhesives & Sealants", 2),
            ("Paints", 2),
            ("Safety & PPE", 2),
            ("HVAC", 2),
            ("Hand Tools", 1),
        ),
        (
            Archetype("general_upkeep", ("Paints", "Adhesives & Sealants"), 0.45),
            Archetype("building_services", ("HVAC", "Plumbing"), 0.35),
            Archetype("safety_compliance", ("Safety & PPE", "Lighting"), 0.20),
        ),
        ("Midwest", "Mid-Atlantic"),
        ("Facilities", "Property Care", "Maintenance"),
    ),
)

N_ARCHETYPES_PER_TRADE = 3

# Company-name building blocks; names may repeat across customers, as real ones do.
NAME_PREFIXES: tuple[str, ...] = (
    "BuildRight",
    "ProLine",
    "QuickFix",
    "Summit",
    "Keystone",
    "Apex",
    "Blue Ridge",
    "Ironwood",
    "Cornerstone",
    "Redline",
    "True North",
    "Allied",
    "Precision",
    "Patriot",
    "Lakeside",
    "Granite",
    "Evergreen",
    "Frontier",
    "Pioneer",
    "Liberty",
    "Harbor",
    "Cardinal",
    "Eagle",
    "Metro",
    "Valley",
    "Coastal",
    "Prairie",
    "Sterling",
    "Benchmark",
    "Northstar",
)
NAME_SUFFIXES: tuple[str, ...] = ("LLC", "Inc", "Co", "Group", "& Sons", "Services", "Ltd")
