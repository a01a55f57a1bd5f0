"""The inspection frameworks this plugin provides, as data."""

from __future__ import annotations

from lif_core import Area, InspectionFramework

_ILACS_2018 = (
    Area("overall-effectiveness", "Overall effectiveness"),
    Area(
        "impact-of-leaders",
        "The impact of leaders on social work practice with children and families",
    ),
    Area(
        "help-and-protection",
        "The experiences and progress of children who need help and protection",
    ),
)

FRAMEWORKS: tuple[InspectionFramework, ...] = (
    InspectionFramework(
        name="ofsted-sif-lscb-review",
        title="Ofsted review of the effectiveness of the Local Safeguarding Children Board",
        body="Ofsted",
        edition="single inspection framework, 2013-2018",
        description=(
            "Under the single inspection framework Ofsted reviewed each LSCB alongside the local "
            "authority's children's services and made recommendations (areas for improvement) to the "
            "board. The areas below are what the review looked at: the board's statutory functions "
            "(Children Act 2004 s.14; LSCB Regulations 2006 reg.5) and its Working Together 2015 duties."
        ),
        areas=(
            Area("governance", "Membership, remit, priorities and governance of the board"),
            Area("coordination", "Coordinating what partners do to safeguard children (s.14(1)(a))"),
            Area("effectiveness", "Ensuring the effectiveness of what partners do (s.14(1)(b))"),
            Area(
                "early-help",
                "Assessing the effectiveness of help, including early help, and thresholds (reg.5)",
            ),
            Area("partner-duties", "Whether partners fulfil their statutory obligations, incl. Section 11 (reg.5)"),
            Area("quality-assurance", "Quality assurance of practice, incl. joint case audits (reg.5)"),
            Area("training", "Monitoring and evaluating multi-agency training (reg.5)"),
            Area(
                "learning-and-improvement",
                "Case reviews and the learning and improvement framework (Working Together 2015 ch.4)",
            ),
            Area("data", "The multi-agency dataset and performance information"),
            Area(
                "vulnerable-adolescents",
                "Children at risk of sexual exploitation, missing, gangs and county lines",
            ),
            Area("annual-report", "The annual report on safeguarding in the area (s.14A)"),
        ),
    ),
    InspectionFramework(
        name="ofsted-ilacs-2018",
        title="Inspecting local authority children's services (ILACS)",
        body="Ofsted",
        edition="2018",
        description="Judgements on a four-point scale: outstanding, good, requires improvement to be good, inadequate.",
        areas=(
            *_ILACS_2018,
            Area("children-in-care", "The experiences and progress of children in care and care leavers"),
        ),
    ),
    InspectionFramework(
        name="ofsted-ilacs-2023",
        title="Inspecting local authority children's services (ILACS)",
        body="Ofsted",
        edition="2023 (from January 2023)",
        description="Care leavers judged separately from children in care since January 2023.",
        areas=(
            *_ILACS_2018,
            Area("children-in-care", "The experiences and progress of children in care"),
            Area("care-leavers", "The experiences and progress of care leavers"),
        ),
    ),
    InspectionFramework(
        name="ofsted-jtai",
        title="Joint targeted area inspection (JTAI)",
        body="Ofsted, the Care Quality Commission, HM Inspectorate of Constabulary and Fire & Rescue Services, "
        "HM Inspectorate of Probation",
        edition="2016 onwards",
        description=(
            "Inspectorates together inspect how well local agencies work together: either the multi-agency "
            "response at the 'front door' (the identification of initial need and risk), or a thematic 'deep "
            "dive' into one kind of harm, with the leadership and management of the arrangements in both."
        ),
        areas=(
            Area("front-door", "The multi-agency response to the identification of initial need and risk"),
            Area("deep-dive", "The thematic deep dive: the response to one kind of harm"),
            Area("leadership", "Leadership and management of the multi-agency arrangements"),
            Area("practice", "The quality of multi-agency practice with children and families"),
        ),
    ),
)
