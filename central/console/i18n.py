"""The console's words in Indonesian (the default, as the operators read it) and English."""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType
from zoneinfo import ZoneInfo

from player.schedule import campaigns as campaign_plan
from player.wire.isotime import parse_utc

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

# key: (Indonesian, English)
WORDS = MappingProxyType(
    {
        "title": ("Konsol Videotron", "Videotron console"),
        "fleet": ("Layar", "Fleet"),
        "plays": ("Bukti tayang", "Proof of play"),
        "alerts": ("Peringatan", "Alerts"),
        "content": ("Konten", "Content"),
        "audit": ("Log audit", "Audit log"),
        "accounts": ("Akun", "Accounts"),
        "accounts_help": (
            "Akun dibuat dan dibuka kembali di server: "
            "videotron console add-user NAMA --role PERAN.",
            "Accounts are made and opened again on the server: "
            "videotron console add-user NAME --role ROLE.",
        ),
        "role": ("Peran", "Role"),
        "role_viewer": ("pemantau", "viewer"),
        "role_operator": ("operator", "operator"),
        "role_admin": ("admin", "admin"),
        "created": ("Dibuat", "Created"),
        "state": ("Status", "State"),
        "active": ("Aktif", "Active"),
        "disabled": ("Dinonaktifkan", "Disabled"),
        "disable": ("Nonaktifkan", "Disable"),
        "account_disabled": (
            "Akun dinonaktifkan; sesinya diakhiri.",
            "The account is disabled; its sessions are ended.",
        ),
        "account_self": (
            "Akun sendiri tidak dapat dinonaktifkan.",
            "You cannot disable your own account.",
        ),
        "login": ("Masuk", "Log in"),
        "logout": ("Keluar", "Log out"),
        "user": ("Nama pengguna", "User name"),
        "password": ("Kata sandi", "Password"),
        "bad_login": ("Nama pengguna atau kata sandi salah.", "Wrong user name or password."),
        "rate_limited": (
            "Terlalu banyak percobaan gagal. Coba lagi dalam 15 menit.",
            "Too many failed attempts. Try again in 15 minutes.",
        ),
        "online": ("Daring", "Online"),
        "offline": ("Luring", "Offline"),
        "silent": ("Tidak melapor", "Not reporting"),
        "behind": ("Tertinggal", "Behind"),
        "with_errors": ("Ada galat", "With errors"),
        "check_device": ("Perangkat perlu diperiksa", "Device needs a check"),
        "since": ("sejak", "since"),
        "group": ("Grup", "Group"),
        "screen": ("Layar", "Screen"),
        "now_showing": ("Sedang tayang", "On screen now"),
        "manifest": ("Manifest", "Manifest"),
        "latest": ("terbaru", "latest"),
        "current": ("mutakhir", "current"),
        "last_sync": ("Sinkron terakhir", "Last sync"),
        "cache": ("Cache", "Cache"),
        "health": ("Kesehatan", "Health"),
        "healthy": ("Sehat", "Healthy"),
        "unhealthy": ("Bermasalah", "Unhealthy"),
        # The Pi's own health (player/machine/, thresholds in machinehealth.py)
        "machine": ("Perangkat", "Device"),
        "machine_ok": ("Normal", "Normal"),
        "machine_none": ("Belum ada data", "No data yet"),
        "machine_as_last": ("(laporan terakhir)", "(last report)"),
        "hw_hot": ("Terlalu panas", "Too hot"),
        "hw_warm": ("Panas", "Warm"),
        "hw_under_voltage": ("Tegangan kurang", "Under-voltage"),
        "hw_under_voltage_since_boot": (
            "Tegangan sempat kurang sejak menyala",
            "Under-voltage since boot",
        ),
        "hw_throttled": ("CPU diperlambat", "CPU throttled"),
        "hw_sd_read_only": ("Kartu SD hanya-baca", "SD card read-only"),
        "hw_disk_low": ("Disk hampir penuh", "Disk nearly full"),
        "hw_io_errors": ("Galat baca/tulis disk", "Disk I/O errors"),
        "temperature": ("Suhu", "Temperature"),
        "power": ("Daya", "Power"),
        "power_ok": ("tegangan cukup", "voltage good"),
        "throttling": ("Pelambatan CPU", "CPU throttling"),
        "throttling_none": ("tidak", "none"),
        "load": ("Beban CPU", "CPU load"),
        "memory": ("Memori bebas", "Free memory"),
        "disk_free": ("Disk bebas", "Free disk"),
        "sd_card": ("Kartu SD", "SD card"),
        "sd_writable": ("dapat ditulis", "writable"),
        "io_errors": ("galat baca/tulis", "I/O errors"),
        "io_unknown": ("log kernel tidak terbaca", "kernel log not readable"),
        "uptime_os": ("Menyala selama", "Up for"),
        "network": ("Jaringan", "Network"),
        "wifi_signal": ("Sinyal Wi-Fi", "Wi-Fi signal"),
        "modem_signal": ("Sinyal modem", "Modem signal"),
        "sending_card": ("Kartu pengirim", "Sending card"),
        "sampled": ("Diukur", "Sampled"),
        "of": ("dari", "of"),
        "chart_now": ("sekarang", "now"),
        "temp_24h": ("Suhu 24 jam terakhir", "Temperature, last 24 h"),
        "temp_chart_none": (
            "Belum ada riwayat suhu dalam 24 jam terakhir.",
            "No temperature history in the last 24 hours.",
        ),
        "temp_chart_flags": (
            "Garis merah: batas panas 80 °C; tanda oranye: tegangan kurang atau CPU diperlambat.",
            "Red line: the 80 °C hot limit; orange marks: under-voltage or CPU throttled.",
        ),
        "errors_24h": ("Galat 24 jam", "Errors 24 h"),
        "no_screens": ("Belum ada layar yang melapor.", "No screen has reported yet."),
        "screens_shown": (
            "Layar {first} s.d. {last} dari {total}",
            "Screens {first} to {last} of {total}",
        ),
        "page_previous": ("Sebelumnya", "Previous"),
        "page_next": ("Berikutnya", "Next"),
        "no_screenshot": ("Belum ada tangkapan layar.", "No screenshot yet."),
        "details": ("Rincian", "Details"),
        "version": ("Versi", "Version"),
        "last_seen": ("Terakhir terlihat", "Last seen"),
        "timeline": ("Riwayat daring/luring", "Online/offline history"),
        "recent_plays": ("Tayangan terakhir", "Recent plays"),
        "error_history": ("Riwayat galat", "Error history"),
        "screenshots": ("Tangkapan layar", "Screenshots"),
        "commands": ("Perintah", "Commands"),
        "cmd_screenshot": ("Ambil tangkapan layar", "Take a screenshot"),
        "cmd_sync": ("Sinkron sekarang", "Sync now"),
        "cmd_reload": ("Muat ulang", "Reload"),
        "cmd_display-off": ("Matikan layar", "Display off"),
        "cmd_display-on": ("Nyalakan layar", "Display on"),
        "confirm": ("Konfirmasi", "Confirm"),
        "confirm_command": ("Kirim perintah ini ke layar?", "Send this command to the screen?"),
        "cancel": ("Batal", "Cancel"),
        "send": ("Kirim", "Send"),
        "sent": ("Terkirim.", "Sent."),
        "send_failed": ("Gagal mengirim", "Sending failed"),
        "from": ("Dari", "From"),
        "to": ("Sampai", "To"),
        "all_groups": ("Semua grup", "All groups"),
        "show": ("Tampilkan", "Show"),
        "csv": ("Unduh CSV", "Download CSV"),
        "day": ("Hari", "Day"),
        "item": ("Item", "Item"),
        "count": ("Jumlah tayang", "Plays"),
        "seconds": ("Detik tayang", "Seconds shown"),
        "completed": ("Tuntas", "Completed"),
        "total": ("Total", "Total"),
        "no_errors": ("Tidak ada galat.", "No errors."),
        "no_plays": ("Tidak ada tayangan pada rentang ini.", "No plays in this range."),
        "on_screen": ("Tayang di layar", "On screen"),
        "on_screen_hint": (
            "Apa yang tampil di tiap layar pada rentang jam ini: tayangan dan peringatan.",
            "What each screen showed in this window: plays and alerts.",
        ),
        "time_from": ("Pukul", "From"),
        "time_to": ("Sampai pukul", "Until"),
        "started": ("Mulai", "Start"),
        "ended": ("Selesai", "End"),
        "headline": ("Judul", "Headline"),
        "pages_shown": ("Halaman tampil", "Pages shown"),
        "alert_seconds": ("Detik peringatan", "Alert seconds"),
        "rows_cut": ("Daftar dipotong; CSV memuat semuanya", "Listing cut; the CSV has it all"),
        "no_onscreen": (
            "Tidak ada yang tayang pada rentang ini.",
            "Nothing was on screen in this window.",
        ),
        "new_alert": ("Peringatan baru", "New alert"),
        "text": ("Teks", "Text"),
        "level": ("Tingkat", "Level"),
        "level_info": ("Informasi", "Information"),
        "level_warning": ("Waspada", "Warning"),
        "level_emergency": ("Darurat", "Emergency"),
        "expires": ("Berlaku selama", "Lasts"),
        "groups": ("Grup", "Groups"),
        "preview": ("Pratinjau di layar", "Preview on a screen"),
        "active_alerts": ("Peringatan aktif", "Active alerts"),
        "no_alerts": ("Tidak ada peringatan aktif.", "No active alerts."),
        "shown_on": ("Tampil di", "Shown on"),
        "until": ("sampai", "until"),
        "cancel_alert": ("Cabut peringatan", "Take the alert off"),
        "viewer_only": (
            "Akun Anda hanya untuk melihat; peringatan dan perintah dikirim oleh operator.",
            "Your account may only look; alerts and commands are sent by operators.",
        ),
        "forbidden": ("Tidak diizinkan untuk akun Anda.", "Not allowed for your account."),
        "csrf": (
            "Formulir kedaluwarsa atau tidak sah; muat ulang halaman lalu coba lagi.",
            "The form expired or is not valid; reload the page and try again.",
        ),
        "not_found": ("Tidak ditemukan.", "Not found."),
        "latest_publish": ("Publikasi terakhir", "Latest publish"),
        "sequence": ("Urutan", "Sequence"),
        "published_at": ("Dipublikasikan", "Published"),
        "published_from": ("Asal publikasi", "Published from"),
        "publish_history": ("Riwayat publikasi", "Publish history"),
        "publish_by_console": ("konsol, disetujui oleh", "console, approved by"),
        "publish_by_command_line": ("baris perintah, oleh", "command line, by"),
        "publish_not_recorded": (
            "tidak tercatat (dipublikasikan di luar konsol dan baris perintah, "
            "atau catatannya hilang)",
            "not recorded (published outside the console and the command line, "
            "or its record was lost)",
        ),
        "items": ("Item", "Items"),
        "media_size": ("Ukuran media", "Media size"),
        "size": ("Ukuran", "Size"),
        "schedule": ("Jadwal", "Schedule"),
        "no_groups": ("Tidak ada grup di publish.groups.", "No groups in publish.groups."),
        "updated": ("Diperbarui", "Updated"),
        "actor": ("Oleh", "By"),
        "action": ("Tindakan", "Action"),
        "target": ("Sasaran", "Target"),
        "when": ("Waktu", "When"),
        "minutes": ("menit", "minutes"),
        "hours": ("jam", "hours"),
        "never": ("belum pernah", "never"),
        "unknown": ("tidak diketahui", "unknown"),
        "times_in": ("Waktu dalam zona", "Times in"),
        "screens": ("Layar", "Screens"),
        "signature": ("Tanda tangan", "Signature"),
        "per_item": ("Per item", "Per item"),
        "per_day": ("Per hari, layar dan item", "Per day, screen and item"),
        "days": ("Hari", "Days"),
        "table_cut": (
            "Tabel dipotong; unduh CSV untuk semua baris",
            "Table cut short; download the CSV for every row",
        ),
        "in_force": ("berlaku", "in force"),
        "still_shown": (
            "sudah dicabut/kedaluwarsa, tetapi masih tampil",
            "cancelled or expired, yet still shown",
        ),
        "not_showing": ("Belum tampil di", "Not shown on"),
        "sent_from_shell": (
            "dilaporkan layar; pengirim tidak tercatat",
            "reported by screens; sender not recorded",
        ),
        "source_console": ("konsol", "console"),
        "source_command_line": ("baris perintah", "command line"),
        "source_cap-watch": ("peringatan CAP", "CAP warning"),
        "reason": ("Sebab", "Reason"),
        "media_missing": ("hilang", "missing"),
        "message": ("Pesan", "Message"),
        "connection lost": ("koneksi terputus", "connection lost"),
        "stopped": ("dihentikan", "stopped"),
        "reconnected": ("tersambung ulang", "reconnected"),
        "no message since": ("tak ada pesan sejak itu", "no message since"),
        "playlist": ("Playlist", "Playlist"),
        "kind": ("Jenis", "Kind"),
        "length": ("Lama", "Length"),
        "why": ("Aturan", "Rule"),
        "duration_s": ("Durasi (dtk)", "Length (s)"),
        "kind_item": ("tayang", "play"),
        "kind_alert": ("peringatan", "alert"),
        "kind_off": ("mati", "off"),
        "kind_idle": ("kosong", "idle"),
        "kind_image": ("gambar", "image"),
        "kind_video": ("video", "video"),
        "kind_text": ("teks", "text"),
        "play_one": ("tayangan", "play"),
        "play_many": ("tayangan", "plays"),
        "priority": ("prioritas", "priority"),
        "why_default": ("cadangan bila tak ada yang lain", "fallback when nothing else is valid"),
        "why_alert": ("peringatan aktif", "alert in force"),
        "why_off": ("di luar jam operasi", "outside operating hours"),
        "why_idle": ("tak ada yang bisa diputar", "nothing playable"),
        "rule_hours": ("jam", "hours"),
        "rule_from": ("mulai", "from"),
        "rule_until": ("sampai", "until"),
        "unit_s": ("dtk", "s"),
        "unit_min": ("mnt", "min"),
        "unit_h": ("jam", "h"),
        # --- alerts the street can read: preview, the list of alerts sent, the fleet card
        "preview_button": ("Pratinjau", "Preview"),
        "preview_help": (
            "Digambar dengan kode yang sama dengan layar, pada ukuran layar tiap grup.",
            "Drawn by the screens' own code, at the size of each group's screens.",
        ),
        "preview_empty": (
            "Tulis teks untuk melihat pratinjau.",
            "Write a text to see the preview.",
        ),
        "preview_failed": ("Pratinjau tidak dapat dibuat", "The preview could not be drawn"),
        "too_many_pages": (
            "Teks ini perlu {pages} halaman di layar terkecil; lebih dari {limit} halaman "
            "jarang terbaca utuh oleh orang yang lewat. Persingkat bila bisa.",
            "This text needs {pages} pages on the smallest screen; past {limit} pages few "
            "passers-by read it whole. Shorten it if you can.",
        ),
        "screens_reported": ("layar melaporkan ukuran ini", "screens report this size"),
        "size_assumed": (
            "belum ada layar yang melapor; ukuran bawaan",
            "no screen has reported yet; a default size",
        ),
        "page_one": ("halaman", "page"),
        "page_many": ("halaman", "pages"),
        "sent_alerts": ("Semua peringatan terkirim", "Every alert sent"),
        "no_sent_alerts": ("Belum ada peringatan terkirim.", "No alert sent yet."),
        "source": ("Sumber", "Source"),
        "expires_at": ("Berakhir", "Ends"),
        "on_screen_now": ("Tampil sekarang di", "On screen now"),
        "whole_text": ("teks lengkap", "whole text"),
        "alert_state_in_force": ("berlaku", "in force"),
        "alert_state_expired": ("kedaluwarsa", "expired"),
        "alert_state_cancelled": ("dicabut", "cancelled"),
        "alert_state_failed": ("gagal terkirim", "not sent"),
        "display_off_command": ("layar dimatikan (perintah)", "display off (by command)"),
        "off_hours": ("mati di luar jam operasi", "off outside operating hours"),
        # --- end of alerts the street can read
        # One language per page: form problems, report ranges, counts and log levels.
        "hour": ("jam", "hour"),
        "per_24h": ("/ 24 jam", "/ 24 h"),
        "problem_text": ("Teks: 1 sampai {max} karakter.", "Text: 1 to {max} characters."),
        "problem_level": ("Pilih salah satu tingkat.", "Choose one of the levels."),
        "problem_expiry": (
            "Pilih salah satu masa berlaku yang ditawarkan.",
            "Choose one of the offered durations.",
        ),
        "problem_groups": (
            "Pilih sedikitnya satu grup yang dikenal.",
            "Choose at least one known group.",
        ),
        "range_bad_date": (
            "Tanggal tidak dikenali (TTTT-BB-HH); ditampilkan minggu terakhir.",
            "Date not understood (YYYY-MM-DD); showing the last week.",
        ),
        "range_backwards": (
            "Tanggal akhir {last} sebelum tanggal awal {first}.",
            "The end date {last} is before the start date {first}.",
        ),
        "range_too_long": (
            "Paling banyak {days} hari per laporan; bagi rentangnya.",
            "At most {days} days per report; split the range.",
        ),
        "log_critical": ("kritis", "critical"),
        "log_error": ("galat", "error"),
        "log_warning": ("peringatan", "warning"),
        "log_info": ("info", "info"),
        "log_debug": ("debug", "debug"),
        "now_by_schedule": ("Menurut jadwal, sekarang", "By the schedule, now"),
        "alert_on_screen": ("peringatan di layar", "alert on screen"),
        "reported_by": (
            "dilaporkan {n} dari {total} layar daring",
            "reported by {n} of {total} screens online",
        ),
        "under_the_alert": ("di bawah peringatan", "under the alert"),
        "last_login": ("Terakhir masuk", "Last login"),
        "csv_excel_id": (
            "Unduh CSV untuk Excel (pemisah ;)",
            "Download CSV for Excel, Indonesian settings (;)",
        ),
        # -- campaigns: delivery against the goal, the partner's report (central/campaigns) --
        "role_partner": ("mitra", "partner"),
        "campaigns": ("Kampanye", "Campaigns"),
        "no_campaigns": (
            "Belum ada kampanye dalam publikasi terakhir.",
            "No campaign in the latest publishes.",
        ),
        "partner": ("Mitra", "Partner"),
        "goal": ("Target", "Goal"),
        "goal_plays": ("{n} tayang/layar/hari", "{n} plays/screen/day"),
        "goal_share": ("{p} waktu tayang", "{p} of airtime"),
        "planned": ("Rencana", "Planned"),
        "delivered": ("Tayang", "Played"),
        "short_of_plan": ("Kurang", "Short"),
        "cut_short": ("Terpotong", "Cut short"),
        # -- the campaign editor (central/content/campaign.py, pages/campaignedit.py) --
        "campaign": ("Kampanye", "Campaign"),
        "campaign_editor": ("Editor kampanye", "Campaign editor"),
        "campaign_changes": ("Kampanye: pengajuan", "Campaigns: changes"),
        "campaign_change": ("Perubahan kampanye", "Campaign change"),
        "new_campaign": ("Kampanye baru", "New campaign"),
        "campaign_name": ("Nama (id)", "Name (id)"),
        "campaign_items": ("Materi dari pustaka", "Items from the library"),
        "dayparts": ("Hari dan jam tayang", "Days and hours (dayparts)"),
        "time_windows": ("Jam tayang", "Time windows"),
        "time_windows_help": (
            "Mis. 07:00-09:00, 17:00-19:00; kosong: sepanjang hari.",
            "E.g. 07:00-09:00, 17:00-19:00; empty: all day.",
        ),
        "goal_kind_plays": ("Tayang per layar per hari", "Plays per screen per day"),
        "goal_kind_share": ("Bagian waktu tayang (%)", "Share of the loop (%)"),
        "goal_value": ("Nilai target", "Goal value"),
        "back_to_back": ("Boleh tayang berturut-turut", "May play back to back"),
        "check_goal": ("Periksa target", "Check the goal"),
        "goal_impossible": ("Target tidak dapat dipenuhi", "The goal cannot be met"),
        "goal_impossible_help": (
            "Turunkan target, perlebar jam tayang, izinkan tayang berturut-turut, atau pindahkan "
            "ke hari atau jam lain. Angka di atas dihitung seperti saat terbit.",
            "Lower the goal, widen the time windows, allow back to back, or move it to other "
            "days or hours. The numbers above are the publish's own check.",
        ),
        "goal_impossible_approve": (
            "Pengajuan ini tidak dapat disetujui; kembalikan agar diperbaiki.",
            "This change cannot be approved; send it back to be fixed.",
        ),
        "edit": ("Ubah", "Edit"),
        "field": ("Isian", "Field"),
        "before": ("Sebelum", "Before"),
        "after": ("Sesudah", "After"),
        "campaign_field_partner": ("Mitra", "Partner"),
        "campaign_field_items": ("Materi", "Items"),
        "campaign_field_valid_from": ("Mulai", "From"),
        "campaign_field_valid_until": ("Sampai", "Until"),
        "campaign_field_days": ("Hari", "Days"),
        "campaign_field_windows": ("Jam tayang", "Time windows"),
        "campaign_field_groups": ("Grup", "Groups"),
        "campaign_field_goal": ("Target", "Goal"),
        "campaign_field_back_to_back": ("Berturut-turut", "Back to back"),
        "end_campaign": ("Akhiri kampanye", "End campaign"),
        "end_campaign_help": (
            "Mengajukan perubahan yang menurunkan kampanye dari semua grupnya, dengan tanggal "
            "akhir hari ini; penyetuju lain harus menyetujuinya.",
            "Submits a change that takes the campaign off all of its groups, ending today; "
            "another approver must approve it.",
        ),
        "ends_campaign": (
            "Perubahan ini mengakhiri kampanye: setelah disetujui, kampanye tidak tayang lagi "
            "di grup mana pun.",
            "This change ends the campaign: once approved, it plays in no group.",
        ),
        "refused_campaign_ended": ("Kampanye ini sudah berakhir.", "This campaign already ended."),
        "refused_goal_impossible": ("Target tidak dapat dipenuhi", "The goal cannot be met"),
        "refused_campaign_problems": ("Kampanye belum benar", "The campaign is not right yet"),
        "refused_no_playlist": (
            "Grup belum punya daftar putar yang disetujui",
            "The group has no approved playlist yet",
        ),
        "not_yet_published": ("belum terbit", "not yet published"),
        "cause_offline": ("layar offline", "screen offline"),
        "cause_display off": ("layar mati", "display off"),
        "cause_alert": ("peringatan tayang", "alert on screen"),
        "cause_unknown": ("sebab tidak diketahui", "cause unknown"),
        "per_screen_day": ("Per layar dan hari", "Per screen and day"),
        "per_day_only": ("Per hari, semua layar", "Per day, all screens"),
        "report_pdf_id": ("Laporan PDF (Indonesia)", "PDF report (Indonesian)"),
        "report_pdf_en": ("Laporan PDF (Inggris)", "PDF report (English)"),
        "export_csv": ("Ekspor tayang (CSV)", "Plays export (CSV)"),
        "export_json": ("Ekspor tayang (JSON)", "Plays export (JSON)"),
        "delivery_csv": ("Tabel pengiriman (CSV)", "Delivery table (CSV)"),
        "fingerprint": ("Sidik data (SHA-256)", "Fingerprint (SHA-256)"),
        # -- the content workflow: library, playlists, submissions (central/content) --
        "role_contributor": ("kontributor", "contributor"),
        "role_approver": ("penyetuju", "approver"),
        "library": ("Pustaka", "Library"),
        "library_empty": ("Pustaka masih kosong.", "The library is empty."),
        "no_library": (
            "Unggahan mati: atur console.library di central.yaml.",
            "Uploads are off: set console.library in central.yaml.",
        ),
        "upload": ("Unggah", "Upload"),
        "choose_file": ("Pilih gambar atau video", "Choose an image or a video"),
        "drop_here": ("…atau seret berkasnya ke sini.", "…or drop the file here."),
        "upload_limit": ("paling besar", "at most"),
        "upload_added": ("Berkas diterima dan masuk pustaka.", "The file is in the library."),
        "upload_same": (
            "Berkas yang sama sudah ada di pustaka; tidak ada yang ditambahkan.",
            "The same file is already in the library; nothing was added.",
        ),
        "upload_refused": ("Unggahan ditolak", "Upload refused"),
        "tags": ("Label", "Tags"),
        "show_from": ("Tayang mulai", "Show from"),
        "show_until": ("Tayang sampai", "Show until"),
        "uploaded_by": ("Diunggah oleh", "Uploaded by"),
        "used_in": ("Dipakai di", "Used in"),
        "playlist_of": ("Daftar putar", "Playlist"),
        "playlist_empty": (
            "Belum ada butir. Tambahkan dari pustaka di bawah.",
            "No items yet. Add some from the library below.",
        ),
        "order": ("Urutan", "Order"),
        "own_length": ("durasi video", "video's length"),
        "hours_from": ("Jam mulai", "Hours from"),
        "hours_until": ("Jam sampai", "Hours until"),
        "remove": ("Hapus dari daftar", "Remove from the list"),
        "add_media": ("Tambah dari pustaka", "Add from the library"),
        "add": ("Tambah", "Add"),
        "submit_for_approval": ("Ajukan untuk disetujui", "Submit for approval"),
        "submissions": ("Pengajuan", "Submissions"),
        "submission": ("Pengajuan", "Submission"),
        "no_submissions": ("Belum ada pengajuan.", "No submissions yet."),
        "submitter": ("Pengaju", "Submitted by"),
        "submitted_at": ("Diajukan", "Submitted"),
        "decided_by": ("Diputuskan oleh", "Decided by"),
        "restored_from": ("Dipulihkan dari", "Restored from"),
        "state_pending": ("menunggu", "pending"),
        "state_approved": ("disetujui", "approved"),
        "state_sent_back": ("dikembalikan", "sent back"),
        "changes": ("Perubahan", "Changes"),
        "change": ("Perubahan", "Change"),
        "what_changes": ("Yang berubah", "What changes"),
        "change_starts": ("mulai tayang", "starts"),
        "change_stops": ("berhenti", "stops"),
        "change_changes": ("berubah", "changes"),
        "change_moves": ("pindah urutan", "moves"),
        "on_approval": ("saat disetujui", "on approval"),
        "no_changes": ("Tidak ada perubahan.", "No changes."),
        "every_day": ("setiap hari", "every day"),
        "daily_hours": ("Jam tayang", "Hours"),
        "approved_by": ("Disetujui oleh", "Approved by"),
        "approve_publish": ("Setujui dan terbitkan", "Approve and publish"),
        "send_back": ("Kembalikan", "Send back"),
        "screen_preview": ("Tampilan di layar", "On the screens"),
        "frames_help": (
            "Digambar oleh kode pemutar sendiri, seperti yang akan tampil di layar grup ini "
            "(video: gambar pertamanya).",
            "Drawn by the player's own renderer, as this group's screens will show it "
            "(a video: its first frame).",
        ),
        "frames_display": (
            "Keluaran {w}x{h} px, rotasi {r}°, gambar {cw}x{ch} px",
            "Output {w}x{h} px, rotation {r}°, picture {cw}x{ch} px",
        ),
        "frames_reported": (
            "seperti dilaporkan {n} layar grup ini",
            "as {n} of this group's screens report",
        ),
        "frames_default": (
            "ukuran bawaan: belum ada layar grup ini yang melaporkan ukurannya",
            "default size: no screen of this group has reported its size yet",
        ),
        "frames_failed": ("Pratinjau tidak dapat digambar", "The preview could not be drawn"),
        "frame_alt": ("Pratinjau layar: {name}", "Screen preview: {name}"),
        "two_person_note": (
            "Anda yang mengajukan ini: penyetuju lain yang harus menyetujuinya.",
            "You submitted this: another approver must approve it.",
        ),
        # A workflow step refused (central/content/review.py ReviewError keys).
        "refused_not_your_group": (
            "Akun Anda tidak boleh mengajukan untuk grup ini.",
            "Your account may not submit for this group.",
        ),
        "refused_empty_playlist": (
            "Daftar putar kosong: tambahkan minimal satu butir.",
            "The playlist is empty: add at least one item.",
        ),
        "refused_playlist_problems": ("Daftar putar belum benar", "The playlist is not right yet"),
        "refused_not_pending": (
            "Pengajuan ini sudah diputuskan; muat ulang halaman.",
            "This submission was already decided; reload the page.",
        ),
        "refused_two_person": (
            "Anda yang mengajukan ini: penyetuju lain yang harus menyetujuinya.",
            "You submitted this: another approver must approve it.",
        ),
        "refused_reason_needed": (
            "Tulis alasannya, agar pengaju dapat memperbaikinya.",
            "Say why it goes back, so the submitter can fix it.",
        ),
        "refused_not_approved": (
            "Pengajuan ini belum pernah disetujui; hanya versi yang disetujui dapat dipulihkan.",
            "This submission was never approved; only approved versions can be restored.",
        ),
        "refused_nothing_approved": (
            "Grup ini belum punya konten yang disetujui.",
            "This group has no approved content yet.",
        ),
        "refused_no_group": ("Grup tidak ada di publish.groups", "No such group in publish.groups"),
        "refused_no_key": ("Kunci penerbit belum diatur", "The publisher's key is not set"),
        "refused_no_library": ("Folder pustaka belum diatur", "The library folder is not set"),
        "refused_publish_failed": (
            "Penerbitan gagal; tidak ada yang berubah di layar",
            "The publish failed; nothing changed on the screens",
        ),
        "restore_version": ("Pulihkan versi ini", "Restore this version"),
        "current_version": (
            "Versi ini yang terakhir diterbitkan ke layar grup ini.",
            "This version is the one last published to this group's screens.",
        ),
        "fix_and_resubmit": ("Perbaiki dan ajukan lagi", "Fix and submit again"),
        "not_notified": (
            "Terbit, tetapi layar belum diberi tahu (akan mengambilnya saat memeriksa)",
            "Published, but the screens were not told (they find it at their next check)",
        ),
        "pending_waiting": ("pengajuan menunggu persetujuan", "submissions waiting for approval"),
        "item_priority": ("Prioritas", "Priority"),
        "priority_help": (
            "Prioritas 0 tayang bila tidak ada yang lain. Selama butir berprioritas lebih tinggi "
            "boleh tayang (hari, jam, tanggal), layar hanya memutar butir prioritas itu.",
            "Priority 0 plays when nothing else does. While an item of a higher priority may "
            "play (its days, hours, dates), the screens play only that priority's items.",
        ),
        "ticker": ("Teks berjalan", "Ticker"),
        "ticker_lines": ("Baris teks berjalan", "Ticker lines"),
        "ticker_lines_help": (
            "Satu baris per kalimat; penyetuju menyetujuinya bersama pengajuan ini.",
            "One line per sentence; the approver approves them with this submission.",
        ),
        "ticker_feeds": ("Berita dari umpan kantor", "Headlines from the office's feeds"),
        "ticker_feeds_help": (
            "hanya judul yang disetujui yang tampil.",
            "only approved headlines are shown.",
        ),
        "no_office_feeds": (
            "Belum ada umpan kantor (console.feeds di central.yaml).",
            "The office has no feeds yet (console.feeds in central.yaml).",
        ),
        "ticker_position": ("Letak teks berjalan", "Ticker position"),
        "pos_bottom": ("bawah", "bottom"),
        "pos_top": ("atas", "top"),
        "pos_top-left": ("kiri atas", "top left"),
        "pos_top-right": ("kanan atas", "top right"),
        "pos_bottom-left": ("kiri bawah", "bottom left"),
        "pos_bottom-right": ("kanan bawah", "bottom right"),
        "clock": ("Jam", "Clock"),
        "clock_on": ("Tampilkan jam di layar", "Show a clock on the screens"),
        "clock_position": ("Letak jam", "Clock position"),
        "clock_format": ("Bentuk jam", "Clock format"),
        "clock_shown": (
            "Jam tampil di {position} ({format}).",
            "Clock shown {position} ({format}).",
        ),
        "clock_hidden": ("Jam tidak tampil.", "No clock."),
        "no_ticker": ("Tidak ada teks berjalan.", "No ticker."),
        "layout_ticker_on": ("teks berjalan mulai tampil", "ticker turned on"),
        "layout_ticker_off": ("teks berjalan berhenti", "ticker turned off"),
        "layout_ticker_lines_changed": ("baris teks berjalan berubah", "ticker lines changed"),
        # An item's field as the submission's diff names it (central/content/playlist.py).
        "field_type": ("jenis", "kind"),
        "field_media": ("berkas", "file"),
        "field_duration": ("durasi", "length"),
        "field_days": ("hari", "days"),
        "field_start": ("jam mulai", "hours from"),
        "field_end": ("jam sampai", "hours until"),
        "field_valid_from": ("tayang mulai", "show from"),
        "field_valid_until": ("tayang sampai", "show until"),
        "field_priority": ("prioritas", "priority"),
        "field_order": ("urutan", "order"),
        "valid_dates": ("Masa tayang", "Dates shown"),
        "layout_ticker_feeds_changed": ("umpan berita berubah", "ticker feeds changed"),
        "layout_ticker_moved": ("letak teks berjalan berubah", "ticker moved"),
        "layout_clock_on": ("jam mulai tampil", "clock turned on"),
        "layout_clock_off": ("jam berhenti tampil", "clock turned off"),
        "layout_clock_changed": ("letak atau bentuk jam berubah", "clock changed"),
        "headlines": ("Judul berita", "Headlines"),
        "headlines_help": (
            "Judul dari umpan kantor menunggu persetujuan di sini. Judul yang disetujui tampil "
            "di layar grup yang teks berjalannya memakai umpan itu, pada penerbitan berikutnya "
            "grup tersebut, atau segera dengan tombol Terbitkan sekarang.",
            "Headlines from the office's feeds wait here for an approver. Approved headlines "
            "reach the screens of the groups whose ticker uses that feed with each group's "
            "next publish, or at once with its Publish now button.",
        ),
        "headlines_approved": ("Judul disetujui: {n}.", "Headlines approved: {n}."),
        "headlines_rejected": ("Judul ditolak: {n}.", "Headlines rejected: {n}."),
        "headlines_fetched": ("Umpan sudah diambil.", "The feeds were fetched."),
        "headlines_fetched_failed": (
            "Umpan sudah diambil; {n} gagal, lihat di bawah.",
            "The feeds were fetched; {n} failed, see below.",
        ),
        "headlines_published": (
            "Diterbitkan sebagai urutan {n}, dengan judul yang disetujui.",
            "Published as sequence {n}, with the approved headlines.",
        ),
        "fetch_feeds": ("Ambil umpan sekarang", "Fetch the feeds now"),
        "feed_auto": ("disetujui otomatis", "auto-approved"),
        "feed_counts": (
            "{q} menunggu, {a} disetujui, {r} ditolak",
            "{q} waiting, {a} approved, {r} rejected",
        ),
        "fetched": ("diambil", "fetched"),
        "feeds_every": (
            "Umpan diambil otomatis setiap {every}, satu per satu.",
            "The feeds are fetched automatically every {every}, one fetch at a time.",
        ),
        "feed_last_good": ("terakhir berhasil diambil {when}", "last fetched {when}"),
        "feed_never_good": (
            "belum berhasil diambil sejak konsol dimulai",
            "not fetched yet since the console started",
        ),
        "feed_fetch_failed": (
            "Pengambilan terakhir ({when}) gagal: {error}. Judul yang ada tetap disimpan.",
            "The last fetch ({when}) failed: {error}. Its headlines are kept as they were.",
        ),
        "feed_reaches": (
            "Judul yang disetujui tampil di {groups} pada penerbitan berikutnya.",
            "Approved headlines reach {groups} with the next publish of each.",
        ),
        "feed_unused": (
            "Belum ada grup yang teks berjalannya memakai umpan ini.",
            "No group's ticker uses this feed yet.",
        ),
        "publish_now": ("Terbitkan {group} sekarang", "Publish {group} now"),
        "approve_chosen": ("Setujui yang dipilih", "Approve the chosen"),
        "reject_chosen": ("Tolak yang dipilih", "Reject the chosen"),
        "approve_all": ("Setujui semua ({n})", "Approve all ({n})"),
        "queue_empty": ("Tidak ada judul yang menunggu.", "No headlines waiting."),
        "approved_headlines": ("Judul disetujui: {n}", "Approved headlines: {n}"),
        "choose_headlines": ("Pilih judul dulu.", "Choose some headlines first."),
        "day_mon": ("Sen", "Mon"),
        "day_tue": ("Sel", "Tue"),
        "day_wed": ("Rab", "Wed"),
        "day_thu": ("Kam", "Thu"),
        "day_fri": ("Jum", "Fri"),
        "day_sat": ("Sab", "Sat"),
        "day_sun": ("Min", "Sun"),
        # The database away (503 pages, the fleet page's offline note)
        "db_title": ("Basis data tidak tersedia", "Database unavailable"),
        "db_unreachable": (
            "Konsol tidak dapat menghubungi basis datanya saat ini.",
            "The console cannot reach its database right now.",
        ),
        "db_cannot_write": (
            "Basis data tidak dapat menyimpan apa pun saat ini (misalnya disk server penuh).",
            "The database cannot write anything right now (the server's disk may be full).",
        ),
        "db_nothing_saved": (
            "Tidak ada yang disimpan atau dikirim.",
            "Nothing was saved or sent.",
        ),
        "db_sent_not_recorded": (
            "Sudah dikirim ke layar, tetapi tidak tercatat di basis data; jangan kirim ulang.",
            "Sent to the screens, but not recorded in the database; do not send it again.",
        ),
        "db_login_not_recorded": (
            "Sesi tidak dapat dicatat, jadi Anda belum masuk.",
            "Your session could not be recorded, so you are not logged in.",
        ),
        "db_retrying": (
            "Halaman ini mencoba lagi sendiri dalam beberapa detik.",
            "This page tries again by itself in a few seconds.",
        ),
        "db_try_again": (
            "Coba lagi sebentar lagi; bila berlanjut, beri tahu pengelola server.",
            "Try again in a moment; if it goes on, tell the server's administrator.",
        ),
        "db_offline": (
            "Luring: basis data tidak terjangkau; tampilan terakhir dipertahankan, mencoba lagi.",
            "Offline: the database cannot be reached; showing the last view, trying again.",
        ),
    }
)


def pick_language(cookie: str | None) -> str:
    """The language the user chose (cookie), else Indonesian: the operators' language."""
    if cookie in LANGUAGES:
        return cookie
    return DEFAULT_LANGUAGE


def translate(language: str, key: str) -> str:
    """The word for `key`; an unknown key shows itself, so a gap is seen and not hidden."""
    pair = WORDS.get(key)
    if pair is None:
        return key
    return pair[LANGUAGES.index(language) if language in LANGUAGES else 0]


def words(language: str) -> dict[str, str]:
    """Every word in one language, for templates that show many rows (a lookup, no call)."""
    index = LANGUAGES.index(language) if language in LANGUAGES else 0
    return {key: pair[index] for key, pair in WORDS.items()}


# An edited playlist's problems in Indonesian (central/content/playlist.py Problem keys; its
# own words are the English).
PROBLEMS = {
    "duration_range": "durasi harus 1 sampai 86400 detik",
    "image_duration": "gambar perlu durasi (detik)",
    "no_day": "pilih minimal satu hari",
    "not_time": "{value!r} bukan jam (JJ:MM)",
    "both_hours": "isi kedua jam tayang harian, atau kosongkan keduanya",
    "empty_window": "jam tayang harian kosong (mulai = sampai)",
    "not_date": "{value!r} bukan tanggal (TTTT-BB-HH)",
    "until_before_from": "tanggal 'sampai' lebih awal dari 'mulai'",
    "priority": "prioritas harus bilangan bulat 0 sampai {max}",
    "ticker_lines": "paling banyak {max} baris teks berjalan",
    "ticker_line_long": "baris teks berjalan {number}: lebih dari {max} karakter",
    "not_office_feed": "{url}: bukan umpan kantor (central.yaml console.feeds)",
    "ticker_position": "letak teks berjalan tidak dikenal",
    "clock_position": "letak jam tidak dikenal",
    "clock_format": "bentuk jam harus 1 sampai {max} karakter, mis. %H:%M",
    "media_gone": "berkasnya sudah tidak ada di pustaka",
    "duration_number": "durasi {value!r} bukan angka",
    "same_id": "dua baris punya id yang sama",
    "campaign_id": "nama harus 1 sampai 64 huruf kecil, angka, - atau _ (nama ini dipakai di "
    "setiap laporan)",
    "campaign_partner": "isi nama mitra",
    "campaign_items": "pilih minimal satu materi dari pustaka",
    "campaign_window": "{value!r} bukan jam tayang (JJ:MM-JJ:MM)",
    "campaign_groups": "pilih minimal satu grup",
    "campaign_group": "{group!r}: bukan grup yang boleh Anda ajukan",
    "campaign_share": "bagian harus angka di atas 0 dan paling banyak 100 (persen waktu layar)",
    "campaign_plays": "tayang per layar per hari harus bilangan bulat 1 sampai {max}",
}


def problem(found: str, language: str) -> str:
    """A playlist problem (playlist.Problem) in `language`; English, or a problem without a
    key, as it says itself."""
    said = PROBLEMS.get(getattr(found, "key", ""))
    if language == "en" or said is None:
        return str(found)
    values = found.values
    text = said.format(**values)
    if "row" in values:
        return f"baris {values['row']}: {text}"
    return f"{values['item']}: {text}" if "item" in values else text


# Refusals whose message names what to fix (a file, a setting, the playlist's problems): the
# page shows it after the sentence; the others' sentence says it all.
DETAILED_REFUSALS = frozenset({"playlist_problems", "no_group", "no_key", "no_library",
                               "publish_failed", "goal_impossible", "campaign_problems",
                               "no_playlist"})  # fmt: skip


def refusal(error: Exception, language: str) -> str:
    """A workflow refusal (central/content's ReviewError: its key and message) in `language`:
    its sentence, with the message where it names what to fix; any other error as it says."""
    said = WORDS.get(f"refused_{getattr(error, 'key', None)}")
    if said is None:
        return str(error)
    sentence = said[LANGUAGES.index(language) if language in LANGUAGES else 0]
    if getattr(error, "unmet", None):  # a goal the screens cannot meet: its numbers, worded
        return f"{sentence}: " + "; ".join(unmet(found, language) for found in error.unmet)
    return f"{sentence}: {error}" if getattr(error, "key", None) in DETAILED_REFUSALS else sentence


def local_time(value, zone: ZoneInfo, *, seconds: bool = False) -> str:
    """A naive-UTC datetime or an ISO-8601 text as the office's wall clock; "" for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = parse_utc(value)
        except ValueError:
            return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def age(value, now: dt.datetime, language: str) -> str:
    """How long ago, in words short enough for a phone ("5 mnt", "3 jam", "2 hari")."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = parse_utc(value)
        except ValueError:
            return ""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return span(max(0, int((now - value).total_seconds())), language)


def span(seconds: int, language: str) -> str:
    """A length of time in its largest whole unit, short enough for a phone ("15 mnt", "15m")."""
    units = (("d", 86400, "hari"), ("h", 3600, "jam"), ("m", 60, "mnt"), ("s", 1, "dtk"))
    for short, size, indonesian in units:
        if seconds >= size or short == "s":
            count = seconds // size
            return f"{count} {indonesian}" if language == "id" else f"{count}{short}"
    return ""


def unmet(found, language: str) -> str:
    """Why a campaign's goal cannot be met in a group (central.content.campaign.Unmet) in
    `language`: English is the publish check's own sentence; Indonesian words its numbers."""
    problem = found.problem
    if language == "en" or problem is None:
        return str(found)
    first, last = problem.days[0], problem.days[-1]
    where = f"{found.group}: {_day(first)} {problem.span}"
    if len(problem.days) > 1:
        where += f" (dan {len(problem.days) - 1} hari lagi sampai {_day(last)})"
    need = problem.needs[0]
    if problem.kind == campaign_plan.DARK:
        return (
            f"{where}: '{need.campaign}' ingin {need.plays} tayang, tetapi layar mati sepanjang "
            "jam tayangnya (jam operasi layar)"
        )
    if problem.kind == campaign_plan.CROWDED:
        return (
            f"{where}: {_need(need)}; jarak antartayang lebih pendek dari materinya sendiri, "
            f"yang muat {need.fit} dari {need.plays} tayang"
        )
    fits = ", ".join(f"'{n.campaign}' {n.fit} dari {n.plays}" for n in problem.needs)
    return (
        f"{where}: kampanye {', '.join(_need(n) for n in problem.needs)} bersama butuh "
        f"{problem.load:.0%} waktu layar di jam itu; yang muat (yang lain tetap): {fits} tayang"
    )


def _day(day: dt.date) -> str:
    return f"{translate('id', f'day_{day:%a}'.lower())} {day:%Y-%m-%d}"


def _need(need) -> str:
    """One campaign's numbers: "'toko' 200 tayang @ 10 dtk, tiap 18 dtk (56%)"."""
    return (
        f"'{need.campaign}' {need.plays} tayang @ {_seconds(need.seconds)}, "
        f"tiap {_seconds(need.gap)} ({need.share:.0%})"
    )


def _seconds(seconds: float) -> str:
    seconds = round(seconds, 1)
    if seconds < 60:
        return f"{seconds:g} dtk"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours} jam {minutes} mnt" if hours else f"{minutes} mnt"
    return f"{text} {rest} dtk" if rest else text
