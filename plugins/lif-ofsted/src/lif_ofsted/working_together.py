"""Working Together to Safeguard Children, by edition (2015, 2018, 2023), each as an inspection
framework: its expectations as areas, for mapping inspection recommendations and evidence. The
statutory frameworks themselves (vocabulary, clocks, the rules boards are checked against) are
in the lif-england plugin."""

from __future__ import annotations

from lif_core import Area, InspectionFramework

EDITIONS: tuple[InspectionFramework, ...] = (
    InspectionFramework(
        name="working-together-2015",
        title="Working Together to Safeguard Children (2015)",
        body="Department for Education",
        edition="2015",
        description=(
            "Local Safeguarding Children Boards under the Children Act 2004 s.13-16 and the LSCB Regulations 2006."
        ),
        areas=(
            Area("lscb-functions", "The LSCB's statutory functions (s.14; Regulation 5)"),
            Area("independent-chair", "An independent chair"),
            Area("serious-case-reviews", "Serious case reviews and other learning reviews (ch.4)"),
            Area("learning-framework", "A local learning and improvement framework (ch.4)"),
            Area("annual-report", "An annual report on the effectiveness of local services (s.14A)"),
            Area("child-deaths", "Child death reviews (CDOP, ch.5)"),
        ),
    ),
    InspectionFramework(
        name="working-together-2018",
        title="Working Together to Safeguard Children (2018)",
        body="Department for Education",
        edition="2018",
        description=(
            "Three safeguarding partners (local authority, ICB/CCG, police) replace the LSCB; rapid reviews and "
            "local child safeguarding practice reviews replace serious case reviews."
        ),
        areas=(
            Area("safeguarding-partners", "The three safeguarding partners and their published arrangements"),
            Area("relevant-agencies", "Relevant agencies named and working to the arrangements"),
            Area("independent-scrutiny", "Independent scrutiny of the arrangements"),
            Area("rapid-reviews", "Serious incident notification and rapid reviews (15 working days)"),
            Area("lcsprs", "Local child safeguarding practice reviews, published"),
            Area("yearly-report", "A yearly report on the arrangements"),
        ),
    ),
    InspectionFramework(
        name="working-together-2023",
        title="Working Together to Safeguard Children (2023)",
        body="Department for Education",
        edition="2023",
        description=(
            "Lead and delegated safeguarding partners, a partnership chair, independent scrutiny, and education as "
            "a strategic partner."
        ),
        areas=(
            Area("lead-partners", "Lead safeguarding partners and their delegates"),
            Area("partnership-chair", "A partnership chair"),
            Area("independent-scrutiny", "Independent scrutiny"),
            Area("education", "Education's role in the arrangements"),
            Area("child-practice-reviews", "Rapid reviews and local child safeguarding practice reviews"),
            Area("yearly-report", "A yearly report, with the voice of children and families"),
        ),
    ),
)
