"""Static catalogues the generator draws from: OPD, job families, majors, names."""

from __future__ import annotations

UNITS: tuple[tuple[str, str, str, bool], ...] = (
    ("SETDA", "Sekretariat Daerah", "pemerintahan", True),
    ("DPRD", "Sekretariat DPRD", "pemerintahan", True),
    ("INSP", "Inspektorat", "pengawasan", True),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "perencanaan", True),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan SDM", "kepegawaian", True),
    ("BPKAD", "Badan Pengelola Keuangan dan Aset Daerah", "keuangan", True),
    ("BAPENDA", "Badan Pendapatan Daerah", "keuangan", True),
    ("DINKES", "Dinas Kesehatan", "kesehatan", True),
    ("RSUD", "RSUD Bari", "kesehatan", True),
    ("DISDIK", "Dinas Pendidikan", "pendidikan", True),
    ("DISHUB", "Dinas Perhubungan", "perhubungan", True),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "pekerjaan_umum", True),
    ("PERKIM", "Dinas Perumahan dan Kawasan Permukiman", "pekerjaan_umum", True),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "ketertiban", True),
    ("DAMKAR", "Dinas Pemadam Kebakaran", "ketertiban", True),
    ("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "administrasi", True),
    ("DINSOS", "Dinas Sosial", "sosial", True),
    ("DLH", "Dinas Lingkungan Hidup", "lingkungan", True),
    ("KOMINFO", "Dinas Komunikasi dan Informatika", "informatika", True),
    ("DISPORA", "Dinas Pemuda dan Olahraga", "sosial", True),
    ("DISBUDPAR", "Dinas Kebudayaan dan Pariwisata", "pariwisata", True),
    ("DISPERINDAG", "Dinas Perindustrian dan Perdagangan", "ekonomi", True),
    ("DKUKM", "Dinas Koperasi dan UKM", "ekonomi", True),
    ("DKP", "Dinas Ketahanan Pangan", "pertanian", True),
    ("DPMPTSP", "Dinas Penanaman Modal dan PTSP", "ekonomi", True),
    ("DISNAKER", "Dinas Tenaga Kerja", "sosial", True),
    ("DPPPA", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "sosial", True),
    ("ARSIP", "Dinas Perpustakaan dan Kearsipan", "administrasi", True),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "ketertiban", True),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik", "pemerintahan", True),
    ("KEC-IB1", "Kecamatan Ilir Barat I", "pemerintahan", False),
    ("KEC-IB2", "Kecamatan Ilir Barat II", "pemerintahan", False),
    ("KEC-IT1", "Kecamatan Ilir Timur I", "pemerintahan", False),
    ("KEC-IT2", "Kecamatan Ilir Timur II", "pemerintahan", False),
    ("KEC-SU1", "Kecamatan Seberang Ulu I", "pemerintahan", False),
    ("KEC-SU2", "Kecamatan Seberang Ulu II", "pemerintahan", False),
    ("KEC-KTP", "Kecamatan Kertapati", "pemerintahan", False),
    ("KEC-SKB", "Kecamatan Sukarami", "pemerintahan", False),
    ("KEC-KMT", "Kecamatan Kemuning", "pemerintahan", False),
    ("KEC-PLJ", "Kecamatan Plaju", "pemerintahan", False),
)
"""OPD of a city government: code, name, job family, is a dinas/badan (head is JPT Pratama)."""

MAJORS: dict[str, tuple[str, ...]] = {
    "pemerintahan": ("Ilmu Pemerintahan", "Administrasi Negara", "Ilmu Politik"),
    "pengawasan": ("Akuntansi", "Ilmu Hukum", "Manajemen"),
    "perencanaan": ("Perencanaan Wilayah dan Kota", "Ekonomi Pembangunan", "Statistika"),
    "kepegawaian": ("Manajemen Sumber Daya Manusia", "Psikologi", "Administrasi Negara"),
    "keuangan": ("Akuntansi", "Manajemen Keuangan", "Ekonomi Pembangunan"),
    "kesehatan": ("Kesehatan Masyarakat", "Keperawatan", "Kedokteran", "Farmasi", "Kebidanan"),
    "pendidikan": ("Pendidikan Matematika", "Pendidikan Bahasa Indonesia", "Manajemen Pendidikan"),
    "perhubungan": ("Manajemen Transportasi", "Teknik Sipil", "Teknik Transportasi"),
    "pekerjaan_umum": ("Teknik Sipil", "Arsitektur", "Teknik Lingkungan"),
    "ketertiban": ("Ilmu Hukum", "Ilmu Pemerintahan", "Manajemen Bencana"),
    "administrasi": ("Administrasi Negara", "Ilmu Perpustakaan", "Sistem Informasi"),
    "sosial": ("Kesejahteraan Sosial", "Sosiologi", "Psikologi"),
    "lingkungan": ("Teknik Lingkungan", "Biologi", "Kimia"),
    "informatika": ("Teknik Informatika", "Sistem Informasi", "Ilmu Komunikasi"),
    "pariwisata": ("Pariwisata", "Manajemen", "Ilmu Komunikasi"),
    "ekonomi": ("Ekonomi Pembangunan", "Manajemen", "Akuntansi"),
    "pertanian": ("Agribisnis", "Agroteknologi", "Teknologi Pangan"),
}
"""Majors typical of each job family (rumpun jabatan)."""

MAJOR_ABBREVIATIONS: dict[str, str] = {
    "Kesehatan Masyarakat": "Kesmas",
    "Perencanaan Wilayah dan Kota": "PWK",
    "Manajemen Sumber Daya Manusia": "MSDM",
    "Teknik Informatika": "TI",
    "Administrasi Negara": "Adm. Negara",
    "Ekonomi Pembangunan": "Ek. Pembangunan",
    "Pendidikan Matematika": "Pend. Matematika",
    "Kesejahteraan Sosial": "Kessos",
}
"""Abbreviations personnel systems often hold instead of the full name of a major."""

MAJOR_PREFIXES: tuple[str, ...] = ("", "", "", "S1 ", "Ilmu ", "Prodi ")
"""Free-text noise in how majors are written in real exports."""

FIRST_NAMES_M: tuple[str, ...] = (
    "Ahmad", "Muhammad", "Budi", "Rudi", "Hendra", "Agus", "Dedi", "Fajar", "Rizky", "Yusuf",
    "Iwan", "Joko", "Andi", "Bambang", "Taufik", "Arif", "Hasan", "Irfan", "Reza", "Zainal",
)  # fmt: skip
FIRST_NAMES_F: tuple[str, ...] = (
    "Siti", "Nur", "Dewi", "Rina", "Sri", "Yuni", "Fitri", "Lestari", "Ratna", "Wulan",
    "Indah", "Maya", "Anisa", "Putri", "Rahma", "Dian", "Novi", "Sari", "Wati", "Eka",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Saputra", "Pratama", "Wijaya", "Hidayat", "Kurniawan", "Setiawan", "Santoso", "Rahman",
    "Syahputra", "Lubis", "Nasution", "Harahap", "Siregar", "Purnama", "Fauzi", "Halim",
    "Anggraini", "Permata", "Utami", "Maharani",
)  # fmt: skip

RELIGIONS: tuple[tuple[str, float], ...] = (
    ("ISLAM", 0.90), ("KRISTEN", 0.04), ("KATOLIK", 0.03), ("BUDDHA", 0.02), ("HINDU", 0.01),
)  # fmt: skip
ETHNICITIES: tuple[tuple[str, float], ...] = (
    ("MELAYU", 0.40), ("JAWA", 0.25), ("KOMERING", 0.10), ("OGAN", 0.08), ("SUNDA", 0.05),
    ("TIONGHOA", 0.05), ("MINANG", 0.04), ("BATAK", 0.03),
)  # fmt: skip
ORIGINS: tuple[tuple[str, float], ...] = (
    ("SUMATERA_SELATAN", 0.70), ("LAMPUNG", 0.08), ("JAMBI", 0.06), ("JAWA_BARAT", 0.05),
    ("JAWA_TENGAH", 0.05), ("BENGKULU", 0.04), ("SUMATERA_BARAT", 0.02),
)  # fmt: skip
MARITAL: tuple[tuple[str, float], ...] = (("KAWIN", 0.78), ("BELUM_KAWIN", 0.17), ("CERAI", 0.05))

TECHNICAL_TRAININGS: tuple[str, ...] = (
    "Bimtek", "Diklat Teknis", "Workshop", "Pelatihan Sertifikasi", "Kursus Singkat",
)  # fmt: skip
