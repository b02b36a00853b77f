"""The seeded workshop, from the ILO press release of 1 April 2011.

Only the release's facts are used; the session-by-session programme is not in
the release, so it is marked as provisional wherever it is shown. The event's
texts come in English (its default language) and in Bahasa Indonesia, the
Indonesian taken from the release itself.
"""

from datetime import date, time

EVENT = {
    "slug": "score-bogor-2011",
    "title": "SCORE Global Knowledge Sharing Workshop",
    "title_local": "Lokakarya SCORE Global untuk Berbagi Pengetahuan",
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
    "translations": {
        "id": {
            "title": "Lokakarya SCORE Global untuk Berbagi Pengetahuan",
            "summary": (
                "Para delegasi Program SCORE dari tujuh negara bertemu di Bogor "
                "untuk mengkaji apa yang telah dicapai SCORE di seluruh dunia dan "
                "menyusun langkah maju menuju usaha kecil dan menengah yang lebih "
                "produktif dan kompetitif."
            ),
            "purpose": (
                "Lokakarya ini memberikan kesempatan bagi para delegasi untuk "
                "mengkaji kondisi saat ini dan keefektifan pelaksanaan serta "
                "strategi Program SCORE secara global, termasuk sistem pemantauan "
                "dan evaluasinya, dengan fokus pada apa yang dapat dilakukan "
                "secara lebih baik untuk mendorong kualitas dan produktivitas UKM, "
                "meningkatkan kondisi kerja, dan memperkuat kerja sama antara "
                "manajemen dan pekerja. Lokakarya ini juga menjadi ruang dialog "
                "untuk bertukar informasi dan pengalaman, serta menyusun langkah "
                "maju dalam menciptakan UKM yang lebih kompetitif dan pertumbuhan "
                "ekonomi yang berkelanjutan."
            ),
            "background": (
                "Sustainability through Competitive and Responsible Enterprise "
                "(SCORE) diluncurkan oleh Organisasi Perburuhan Internasional "
                "(ILO) untuk membantu usaha kecil dan menengah (UKM) menjadi lebih "
                "produktif dan kompetitif. UKM mempekerjakan lebih dari 95 persen "
                "populasi kerja di dunia; di Indonesia, lebih dari 60 persen "
                "angkatan kerja bekerja di UKM, dan banyak UKM terkena imbas krisis "
                "ekonomi global. Di Indonesia, SCORE diluncurkan pada Juli 2010 dan "
                "berjalan hingga 2012."
            ),
            "location": "Bogor, Jawa Barat, Indonesia",
        }
    },
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

# Provisional programme: (day, start, end, title, description, translations),
# times in WIB.
SESSIONS = [
    (
        date(2011, 4, 4),
        time(9, 0),
        time(10, 30),
        "Opening and introductions",
        "Welcome by the host, introduction of the delegations and the workshop's aims.",
        {
            "id": {
                "title": "Pembukaan dan perkenalan",
                "description": (
                    "Sambutan tuan rumah, perkenalan para delegasi, dan tujuan "
                    "lokakarya."
                ),
            }
        },
    ),
    (
        date(2011, 4, 4),
        time(11, 0),
        time(12, 30),
        "SCORE worldwide: where the programme stands",
        "The current state of SCORE's implementation and strategy "
        "across the seven countries.",
        {
            "id": {
                "title": "SCORE di seluruh dunia: posisi program saat ini",
                "description": (
                    "Kondisi terkini pelaksanaan dan strategi SCORE di ketujuh negara."
                ),
            }
        },
    ),
    (
        date(2011, 4, 4),
        time(14, 0),
        time(17, 0),
        "Country programme reports (I)",
        "China, Colombia and Ghana present their programmes' progress and lessons.",
        {
            "id": {
                "title": "Laporan program negara (I)",
                "description": (
                    "Cina, Kolombia, dan Ghana memaparkan kemajuan dan "
                    "pembelajaran dari program mereka."
                ),
            }
        },
    ),
    (
        date(2011, 4, 5),
        time(9, 0),
        time(12, 30),
        "Country programme reports (II)",
        "India, Indonesia, South Africa and Viet Nam present their "
        "programmes' progress and lessons.",
        {
            "id": {
                "title": "Laporan program negara (II)",
                "description": (
                    "India, Indonesia, Afrika Selatan, dan Vietnam memaparkan "
                    "kemajuan dan pembelajaran dari program mereka."
                ),
            }
        },
    ),
    (
        date(2011, 4, 5),
        time(14, 0),
        time(17, 0),
        "Implementation and strategy: what works",
        "How effective the programme's implementation and strategy have been, and why.",
        {
            "id": {
                "title": "Pelaksanaan dan strategi: apa yang berhasil",
                "description": (
                    "Seberapa efektif pelaksanaan dan strategi program selama "
                    "ini, dan mengapa."
                ),
            }
        },
    ),
    (
        date(2011, 4, 6),
        time(9, 0),
        time(12, 30),
        "Monitoring and evaluation",
        "Review of SCORE's monitoring and evaluation system.",
        {
            "id": {
                "title": "Pemantauan dan evaluasi",
                "description": "Kajian atas sistem pemantauan dan evaluasi SCORE.",
            }
        },
    ),
    (
        date(2011, 4, 6),
        time(14, 0),
        time(17, 0),
        "Raising SME quality and productivity",
        "What can be done better to raise the quality and productivity of SMEs.",
        {
            "id": {
                "title": "Meningkatkan kualitas dan produktivitas UKM",
                "description": (
                    "Apa yang dapat dilakukan secara lebih baik untuk "
                    "meningkatkan kualitas dan produktivitas UKM."
                ),
            }
        },
    ),
    (
        date(2011, 4, 7),
        time(9, 0),
        time(12, 30),
        "Working conditions and workplace cooperation",
        "Improving working conditions and cooperation between management and workers.",
        {
            "id": {
                "title": "Kondisi kerja dan kerja sama di tempat kerja",
                "description": (
                    "Memperbaiki kondisi kerja dan kerja sama antara manajemen "
                    "dan pekerja."
                ),
            }
        },
    ),
    (
        date(2011, 4, 7),
        time(14, 0),
        time(17, 0),
        "Dialogue: exchanging experience",
        "Open exchange of information and experience between the country programmes.",
        {
            "id": {
                "title": "Dialog: berbagi pengalaman",
                "description": (
                    "Pertukaran informasi dan pengalaman secara terbuka "
                    "antarprogram negara."
                ),
            }
        },
    ),
    (
        date(2011, 4, 8),
        time(9, 0),
        time(11, 30),
        "Next steps",
        "Next steps towards more competitive SMEs and sustainable economic growth.",
        {
            "id": {
                "title": "Langkah selanjutnya",
                "description": (
                    "Langkah maju menuju UKM yang lebih kompetitif dan "
                    "pertumbuhan ekonomi yang berkelanjutan."
                ),
            }
        },
    ),
    (
        date(2011, 4, 8),
        time(11, 30),
        time(12, 30),
        "Closing",
        "Conclusions and close of the workshop.",
        {
            "id": {
                "title": "Penutupan",
                "description": "Kesimpulan dan penutupan lokakarya.",
            }
        },
    ),
]
