"""The seeded workshop, from the ILO press release of 1 April 2011.

Only the release's facts are used; the session-by-session programme is not in
the release, so it is marked as provisional wherever it is shown. The event's
texts are written in English (its default language); ``seed_translations.json``
holds them in the site's other languages, the Indonesian taken from the
release itself.
"""

from datetime import date, time

EVENT = {
    "slug": "score-bogor-2011",
    "title": "SCORE Global Knowledge Sharing Workshop",
    "starts_on": date(2011, 4, 4),
    "ends_on": date(2011, 4, 8),
    "timezone": "Asia/Jakarta",
    "location": "Bogor, West Java, Indonesia",
    "host": "ILO SCORE Programme in Indonesia (ILO office, Jakarta)",
    "capacity": 48,
    "summary": (
        "Delegates of the SCORE programmes in seven countries meet in Bogor to "
        "review what SCORE has achieved worldwide and to plan the next steps "
        "towards more productive and competitive small and medium enterprises."
    ),
    "purpose": (
        "The workshop gives delegates the chance to review the current state and "
        "effectiveness of SCORE's implementation and strategy worldwide, including "
        "its monitoring and evaluation system. It focuses on what can be done "
        "better to raise the quality and productivity of SMEs, improve working "
        "conditions and strengthen cooperation between management and workers. "
        "It is a space for dialogue, to exchange information and experience, and "
        "to set out the next steps towards more competitive SMEs and sustainable "
        "economic growth."
    ),
    "background": (
        "Sustainability through Competitive and Responsible Enterprise (SCORE) was "
        "launched by the International Labour Organization (ILO) to help small "
        "and medium enterprises become more productive and competitive. SMEs "
        "employ more than 95 per cent of the world's working population; in "
        "Indonesia more than 60 per cent of the labour force works in SMEs, and "
        "many SMEs were hit by the global economic crisis. In Indonesia SCORE was "
        "launched in July 2010 and runs until 2012."
    ),
    "default_language": "en",
    # The visa letter: the host's letterhead, signature and sponsorship
    # sentence (event settings; organisers check them before approving).
    "letter_address": (
        "ILO SCORE Programme in Indonesia\n"
        "ILO office, Jakarta, Indonesia\n"
        "Telephone +62 21 3913112"
    ),
    "letter_signatory_name": "Peter van Rooij",
    "letter_signatory_title": "Director of the ILO in Indonesia",
    "letter_sponsorship": (
        "The ILO SCORE Programme covers the delegate's accommodation and meals "
        "during the workshop; international travel is covered by the delegate's "
        "SCORE country programme."
    ),
}

PROGRAMMES = [
    ("CN", "China"),
    ("CO", "Colombia"),
    ("GH", "Ghana"),
    ("IN", "India"),
    ("ID", "Indonesia"),
    ("ZA", "South Africa"),
    ("VN", "Viet Nam"),
]
SEATS_PER_PROGRAMME = 6

OFFICE_LINE = "+62 21 3913112"
CONTACTS = [
    (
        "Januar Rustandie",
        "National Project Manager, SCORE Programme",
        "118",
        "januar@ilo.org",
    ),
    ("Fasrul", "National Staff, SCORE Programme", "162", "fasrul@ilo.org"),
    ("Gita Lingga", "Public Relations", "115", "gita@ilo.org"),
]

SUPPORTERS = [
    ("funder", "Swiss State Secretariat for Economic Affairs (SECO)"),
    ("funder", "Norwegian Agency for Development Cooperation (NORAD)"),
    ("supporter", "Ministry of Manpower and Transmigration"),
    ("supporter", "Employers' Association of Indonesia (Apindo)"),
    ("supporter", "Trade union confederations"),
    ("supporter", "Yayasan Dharma Bhakti Astra"),
]

# Provisional programme: (day, start, end, title, description), times in WIB.
SESSIONS = [
    (
        date(2011, 4, 4),
        time(9, 0),
        time(10, 30),
        "Opening and introductions",
        "Welcome by the host, introduction of the delegations and the workshop's aims.",
    ),
    (
        date(2011, 4, 4),
        time(11, 0),
        time(12, 30),
        "SCORE worldwide: where the programme stands",
        "The current state of SCORE's implementation and strategy "
        "across the seven countries.",
    ),
    (
        date(2011, 4, 4),
        time(14, 0),
        time(17, 0),
        "Country programme reports (I)",
        "China, Colombia and Ghana present their programmes' progress and lessons.",
    ),
    (
        date(2011, 4, 5),
        time(9, 0),
        time(12, 30),
        "Country programme reports (II)",
        "India, Indonesia, South Africa and Viet Nam present their "
        "programmes' progress and lessons.",
    ),
    (
        date(2011, 4, 5),
        time(14, 0),
        time(17, 0),
        "Implementation and strategy: what works",
        "How effective the programme's implementation and strategy have been, and why.",
    ),
    (
        date(2011, 4, 6),
        time(9, 0),
        time(12, 30),
        "Monitoring and evaluation",
        "Review of SCORE's monitoring and evaluation system.",
    ),
    (
        date(2011, 4, 6),
        time(14, 0),
        time(17, 0),
        "Raising SME quality and productivity",
        "What can be done better to raise the quality and productivity of SMEs.",
    ),
    (
        date(2011, 4, 7),
        time(9, 0),
        time(12, 30),
        "Working conditions and workplace cooperation",
        "Improving working conditions and cooperation between management and workers.",
    ),
    (
        date(2011, 4, 7),
        time(14, 0),
        time(17, 0),
        "Dialogue: exchanging experience",
        "Open exchange of information and experience between the country programmes.",
    ),
    (
        date(2011, 4, 8),
        time(9, 0),
        time(11, 30),
        "Next steps",
        "Next steps towards more competitive SMEs and sustainable economic growth.",
    ),
    (
        date(2011, 4, 8),
        time(11, 30),
        time(12, 30),
        "Closing",
        "Conclusions and close of the workshop.",
    ),
]
