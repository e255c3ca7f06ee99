"""The demo's literal data: places, names, partners and the plan of every lead.

What people say and write is in :mod:`leadshare.demo.conversations`.

:mod:`leadshare.demo.build` turns it into records through the rules; nothing here
runs any code. Changing a value here changes the demo that ``flask --app wsgi demo``
loads (tests/test_demo.py checks what the demo must show).
"""

from __future__ import annotations

from typing import Any

from models import (
    Channel,
    ConsentMethod,
    Engagement,
    Locale,
    NoteCategory,
    PartnerStatus,
    PartnerTier,
    Role,
    Stage,
)

VENDOR_NAME = "リードシェアテクノロジーズ株式会社"

#: The vendor's staff: (key used by the builder, e-mail, name, role, language).
STAFF: list[tuple[str, str, str, Role, Locale]] = [
    ("admin", "admin@vendor.example", "佐藤 健一", Role.ADMIN, Locale.JA),
    ("sales", "sales@vendor.example", "鈴木 美咲", Role.SALES, Locale.JA),
    ("sales2", "sales2@vendor.example", "高橋 翔", Role.SALES, Locale.EN),
    # The business-card intake queue's assistant: owns no leads.
    ("assistant", "assistant@vendor.example", "田中 由美", Role.ASSISTANT, Locale.JA),
]

#: The demo partners: organisation, programme data and visibility policy.
PARTNERS: list[dict[str, Any]] = [
    dict(
        slug="alpha",
        name="株式会社アルファシステムズ",
        tier=PartnerTier.PLATINUM,
        status=PartnerStatus.ACTIVE,
        regions=["chubu", "kinki"],
        product_lines=["servers", "storage", "software", "cloud", "security", "services"],
        size_band="300-999",
        source="パートナープログラム（2015年加盟）",
        annual_value=240_000_000,
        engagement=Engagement.HIGH,
        owner="sales",
        # Generous: every region and product line, the value shown, no approval step.
        policy=dict(
            show_notes=True,
            show_installed_products=True,
            show_contact=True,
            show_value=True,
            details_need_approval=False,
            allowed_regions=[],
            allowed_product_lines=[],
            max_open_leads=30,
            response_sla_hours=48,
            update_sla_days=14,
        ),
    ),
    dict(
        slug="beta",
        name="ベータ情報サービス株式会社",
        tier=PartnerTier.GOLD,
        status=PartnerStatus.ACTIVE,
        regions=["kanto", "tohoku"],
        product_lines=["servers", "storage", "cloud"],
        size_band="50-299",
        source="展示会（販売店募集ブース）",
        annual_value=85_000_000,
        engagement=Engagement.MEDIUM,
        owner="sales2",
        policy=dict(
            show_notes=True,
            show_installed_products=False,
            show_contact=True,
            show_value=False,
            details_need_approval=True,
            allowed_regions=["kanto", "tohoku"],
            allowed_product_lines=["servers", "storage", "cloud"],
            max_open_leads=15,
            response_sla_hours=24,
            update_sla_days=14,
        ),
    ),
    dict(
        slug="gamma",
        name="ガンマソリューションズ合同会社",
        tier=PartnerTier.SILVER,
        status=PartnerStatus.ACTIVE,
        regions=["kyushu", "chugoku", "shikoku"],
        product_lines=["software", "cloud", "security", "services"],
        size_band="1-49",
        source="既存パートナーからの紹介",
        annual_value=18_000_000,
        engagement=Engagement.MEDIUM,
        owner="sales",
        policy=dict(
            show_notes=False,
            show_installed_products=True,
            show_contact=False,
            show_value=False,
            details_need_approval=False,
            allowed_regions=["kyushu", "chugoku", "shikoku"],
            allowed_product_lines=["software", "cloud", "security", "services"],
            max_open_leads=10,
            response_sla_hours=72,
            update_sla_days=21,
        ),
    ),
    dict(
        slug="delta",
        name="デルタテック株式会社",
        tier=PartnerTier.REGISTERED,
        status=PartnerStatus.ONBOARDING,
        regions=["hokkaido"],
        product_lines=["servers", "services"],
        size_band="1-49",
        source="Webからの販売店応募",
        annual_value=None,
        engagement=Engagement.LOW,
        owner="sales2",
        policy=dict(
            show_value=False,
            details_need_approval=True,
            allowed_regions=["hokkaido"],
            max_open_leads=3,
        ),
    ),
    dict(
        slug="epsilon",
        name="イプシロン商事株式会社",
        tier=PartnerTier.SILVER,
        status=PartnerStatus.SUSPENDED,
        regions=["kanto"],
        product_lines=["software"],
        size_band="50-299",
        source="パートナープログラム（2019年加盟）",
        annual_value=6_000_000,
        engagement=Engagement.LOW,
        owner="sales",
        policy=dict(allowed_regions=["kanto"], max_open_leads=5),
    ),
]

#: Partner users: (partner slug, e-mail, name, role, language).
PEOPLE: list[tuple[str, str, str, Role, Locale]] = [
    ("alpha", "manager@alpha.example", "山田 太郎", Role.PARTNER_MANAGER, Locale.JA),
    ("alpha", "rep@alpha.example", "伊藤 直樹", Role.PARTNER_REP, Locale.JA),
    ("alpha", "rep2@alpha.example", "渡辺 さくら", Role.PARTNER_REP, Locale.JA),
    ("beta", "manager@beta.example", "中村 誠", Role.PARTNER_MANAGER, Locale.EN),
    ("beta", "rep@beta.example", "小林 愛", Role.PARTNER_REP, Locale.JA),
    ("gamma", "manager@gamma.example", "加藤 大輔", Role.PARTNER_MANAGER, Locale.JA),
    ("gamma", "rep@gamma.example", "吉田 恵", Role.PARTNER_REP, Locale.EN),
    ("delta", "manager@delta.example", "松本 亮", Role.PARTNER_MANAGER, Locale.JA),
    ("epsilon", "manager@epsilon.example", "井上 由美", Role.PARTNER_MANAGER, Locale.JA),
]

#: How quickly each demo partner answers, as a share of the time it has: the
#: scorecards then show a fast, a middling and a slow partner.
ANSWER_SPEED = {"alpha": 0.15, "beta": 0.45, "gamma": 0.75}


# --------------------------------------------------------------------------- reference data

#: (address start, area code, place shown in teasers) per region.
PLACES: dict[str, list[tuple[str, str, str]]] = {
    "chubu": [
        ("愛知県名古屋市中区錦", "052", "名古屋市"),
        ("愛知県名古屋市中村区名駅", "052", "名古屋市"),
        ("愛知県豊田市若宮町", "0565", "豊田市"),
        ("静岡県浜松市中央区板屋町", "053", "浜松市"),
        ("岐阜県岐阜市橋本町", "058", "岐阜市"),
    ],
    "kinki": [
        ("大阪府大阪市北区梅田", "06", "大阪市"),
        ("大阪府大阪市中央区本町", "06", "大阪市"),
        ("京都府京都市下京区烏丸通四条下ル", "075", "京都市"),
        ("兵庫県神戸市中央区三宮町", "078", "神戸市"),
    ],
    "kanto": [
        ("東京都港区芝浦", "03", "東京都港区"),
        ("東京都千代田区丸の内", "03", "東京都千代田区"),
        ("東京都品川区大崎", "03", "東京都品川区"),
        ("神奈川県横浜市西区みなとみらい", "045", "横浜市"),
        ("埼玉県さいたま市大宮区桜木町", "048", "さいたま市"),
    ],
    "tohoku": [
        ("宮城県仙台市青葉区中央", "022", "仙台市"),
        ("宮城県仙台市宮城野区榴岡", "022", "仙台市"),
        ("福島県郡山市駅前", "024", "郡山市"),
    ],
    "kyushu": [
        ("福岡県福岡市博多区博多駅前", "092", "福岡市"),
        ("福岡県福岡市中央区天神", "092", "福岡市"),
        ("熊本県熊本市中央区花畑町", "096", "熊本市"),
    ],
    "chugoku": [
        ("広島県広島市中区紙屋町", "082", "広島市"),
        ("岡山県岡山市北区本町", "086", "岡山市"),
    ],
    "shikoku": [
        ("香川県高松市サンポート", "087", "高松市"),
        ("愛媛県松山市一番町", "089", "松山市"),
    ],
}

#: Regional name stems for company names: (kanji, romaji).
STEMS: dict[str, list[tuple[str, str]]] = {
    "chubu": [
        ("東海", "tokai"),
        ("中京", "chukyo"),
        ("尾張", "owari"),
        ("三河", "mikawa"),
        ("名港", "meiko"),
        ("浜名", "hamana"),
    ],
    "kinki": [
        ("浪速", "naniwa"),
        ("淀川", "yodogawa"),
        ("北浜", "kitahama"),
        ("京阪", "keihan"),
        ("六甲", "rokko"),
        ("堂島", "dojima"),
    ],
    "kanto": [
        ("芝浦", "shibaura"),
        ("城南", "jonan"),
        ("湾岸", "wangan"),
        ("武蔵野", "musashino"),
        ("港北", "kohoku"),
        ("丸の内", "marunouchi"),
    ],
    "tohoku": [
        ("青葉", "aoba"),
        ("杜の都", "morinomiyako"),
        ("東北", "tohoku"),
        ("広瀬", "hirose"),
    ],
    "kyushu": [
        ("博多", "hakata"),
        ("玄海", "genkai"),
        ("筑紫", "chikushi"),
        ("天神", "tenjin"),
        ("火の国", "hinokuni"),
    ],
    "chugoku": [("瀬戸内", "setouchi"), ("安芸", "aki"), ("吉備", "kibi")],
    "shikoku": [("讃岐", "sanuki"), ("伊予", "iyo"), ("四国", "shikoku")],
}

#: Industry words for company names: (kanji, romaji), and the industry as said in a teaser.
INDUSTRY_WORDS: dict[str, list[tuple[str, str]]] = {
    "manufacturing": [
        ("精機", "seiki"),
        ("金属工業", "kinzoku"),
        ("電子工業", "denshi"),
        ("樹脂化成", "jushi"),
    ],
    "retail": [("商事", "shoji"), ("フーズ", "foods"), ("ホームセンター", "homecenter")],
    "finance": [("リース", "lease"), ("証券", "shoken")],
    "healthcare": [("メディカル", "medical"), ("医療器", "iryoki"), ("調剤薬局", "pharmacy")],
    "logistics": [("運輸", "unyu"), ("物流", "butsuryu"), ("ロジスティクス", "logistics")],
    "construction": [("建設", "kensetsu"), ("設備工業", "setsubi")],
    "services": [("ビジネスサービス", "bizservice"), ("ホテル", "hotel"), ("情報サービス", "joho")],
}
INDUSTRY_JA = {
    "manufacturing": "製造業",
    "retail": "小売業",
    "finance": "金融業",
    "healthcare": "医療・福祉",
    "logistics": "物流業",
    "construction": "建設業",
    "services": "サービス業",
}
SIZE_PEOPLE = {"1-49": (12, 48), "50-299": (60, 280), "300-999": (320, 950), "1000+": (1100, 3200)}

SURNAMES = [
    ("田中", "tanaka"),
    ("伊藤", "ito"),
    ("渡辺", "watanabe"),
    ("山本", "yamamoto"),
    ("中村", "nakamura"),
    ("小林", "kobayashi"),
    ("加藤", "kato"),
    ("吉田", "yoshida"),
    ("山口", "yamaguchi"),
    ("松本", "matsumoto"),
    ("井上", "inoue"),
    ("木村", "kimura"),
    ("林", "hayashi"),
    ("清水", "shimizu"),
    ("山崎", "yamazaki"),
    ("森", "mori"),
    ("池田", "ikeda"),
    ("橋本", "hashimoto"),
    ("阿部", "abe"),
    ("石川", "ishikawa"),
    ("前田", "maeda"),
    ("藤田", "fujita"),
    ("岡田", "okada"),
    ("後藤", "goto"),
    ("長谷川", "hasegawa"),
    ("村上", "murakami"),
    ("近藤", "kondo"),
    ("坂本", "sakamoto"),
]
GIVEN_NAMES = [
    ("一郎", "ichiro"),
    ("健二", "kenji"),
    ("誠", "makoto"),
    ("浩", "hiroshi"),
    ("直子", "naoko"),
    ("裕子", "yuko"),
    ("達也", "tatsuya"),
    ("美穂", "miho"),
    ("和也", "kazuya"),
    ("恵子", "keiko"),
    ("拓也", "takuya"),
    ("由紀", "yuki"),
    ("修", "osamu"),
    ("智子", "tomoko"),
    ("大輔", "daisuke"),
    ("香織", "kaori"),
]
CONTACT_TITLES = [
    "情報システム部 部長",
    "総務部 課長",
    "経営企画室 室長",
    "管理本部 システム担当",
    "工場長",
    "事務長",
    "情報システム課 係長",
    "取締役 管理部長",
]

INSTALLED = {
    "servers": ("ProServe X3650 サーバー", "2017年導入。来年3月で保守終了。"),
    "storage": ("DataVault 5100 ストレージ", "容量使用率 88%。"),
    "software": ("Biz Suite 販売管理 v8", "カスタマイズ多数。"),
    "cloud": ("LS Cloud バックアップ", "本社分のみ契約。"),
    "security": ("SecureGate UTM 300", "今年度末でサポート終了。"),
    "services": ("オンサイト保守サービス（平日9-17時）", None),
}
ORDER_PRODUCTS = {
    "servers": "ProServe X4 サーバー 2台＋移行作業",
    "storage": "DataVault 7200 ストレージ＋バックアップ設計",
    "software": "Biz Suite 販売管理 クラウド版（50ユーザー）",
    "cloud": "LS Cloud 移行パック＋運用サポート1年",
    "security": "SecureGate UTM 600＋24時間監視サービス",
    "services": "統合保守サービス（3年）＋ヘルプデスク",
}


# --------------------------------------------------------------------------- the plan

# Outcomes of one offer: "offered", "offered!" (deadline within hours), "requested",
# "granted", "declined", "expired", "withdrawn", "race" (offered at the same time as the
# accepted one, withdrawn when the other partner accepts) and "accepted:<stage>".
# A plan without offers is "new" or "qualified". Flags: stale, overdue, noconsent,
# en:<company>, override.
PLANS: list[tuple[str, str, str, str]] = [
    # region, product line, offers, flags
    ("chubu", "servers", "alpha:accepted:paid", ""),
    ("kinki", "storage", "alpha:accepted:paid", ""),
    ("chubu", "software", "alpha:accepted:delivered", ""),
    ("kinki", "security", "alpha:accepted:won", ""),
    ("chubu", "services", "alpha:accepted:lost", ""),
    ("kyushu", "cloud", "gamma:declined alpha:accepted:lost", ""),
    ("chubu", "servers", "alpha:accepted:proposal", "stale overdue"),
    ("kinki", "software", "alpha:accepted:proposal", ""),
    ("chubu", "storage", "alpha:accepted:needs_hearing", "noconsent"),
    ("kinki", "servers", "alpha:accepted:needs_hearing", "stale en:nordvik"),
    ("chubu", "security", "alpha:accepted:appointment", ""),
    ("kinki", "cloud", "alpha:accepted:appointment", "noconsent"),
    ("kanto", "storage", "beta:race alpha:accepted:won", ""),
    ("kanto", "servers", "alpha:race beta:accepted:proposal", ""),
    ("tohoku", "cloud", "alpha:race beta:accepted:needs_hearing", "overdue"),
    ("chubu", "servers", "alpha:offered", ""),
    ("kinki", "storage", "alpha:offered!", ""),
    ("chubu", "software", "alpha:offered", "noconsent"),
    ("kinki", "security", "alpha:requested", ""),
    ("chubu", "cloud", "alpha:requested", ""),
    ("chubu", "services", "alpha:granted", ""),
    ("kinki", "servers", "alpha:granted", "noconsent"),
    ("chubu", "storage", "alpha:declined", ""),
    ("kinki", "software", "alpha:expired", ""),
    ("kyushu", "security", "alpha:declined gamma:accepted:won", ""),
    ("kanto", "servers", "alpha:expired beta:accepted:paid", ""),
    ("kinki", "cloud", "alpha:withdrawn", ""),
    ("kanto", "servers", "beta:accepted:paid", ""),
    ("tohoku", "storage", "beta:accepted:delivered", ""),
    ("kanto", "cloud", "beta:accepted:won", "en:brightwater"),
    ("kanto", "servers", "beta:accepted:lost", ""),
    ("tohoku", "servers", "beta:accepted:appointment", "stale overdue"),
    ("kanto", "storage", "beta:declined alpha:accepted:paid", ""),
    ("kanto", "cloud", "beta:offered", ""),
    ("tohoku", "servers", "beta:offered!", "noconsent"),
    ("kanto", "storage", "beta:requested", "en:helvetia"),
    ("kanto", "servers", "beta:requested", ""),
    ("tohoku", "cloud", "beta:granted", ""),
    ("kanto", "servers", "alpha:declined beta:granted", ""),
    ("kanto", "cloud", "beta:declined", ""),
    ("tohoku", "storage", "beta:expired alpha:accepted:needs_hearing", ""),
    ("kanto", "servers", "beta:expired alpha:offered", ""),
    ("kanto", "storage", "beta:withdrawn", ""),
    ("kyushu", "software", "gamma:accepted:paid", ""),
    ("chugoku", "security", "gamma:accepted:lost", ""),
    ("shikoku", "services", "gamma:accepted:appointment", ""),
    ("kyushu", "cloud", "gamma:accepted:proposal", "stale en:mapleleaf"),
    ("kyushu", "security", "gamma:offered", ""),
    ("chugoku", "software", "gamma:offered!", ""),
    ("shikoku", "services", "gamma:requested", "noconsent"),
    ("kyushu", "cloud", "gamma:requested", ""),
    ("chugoku", "security", "gamma:granted", ""),
    ("kyushu", "software", "alpha:withdrawn gamma:granted", ""),
    ("chugoku", "services", "gamma:declined", ""),
    ("kyushu", "security", "gamma:expired alpha:accepted:proposal", "overdue"),
    ("shikoku", "software", "gamma:withdrawn gamma:expired", ""),
    ("kinki", "security", "gamma:accepted:won", "override"),
    ("kyushu", "cloud", "gamma:race alpha:accepted:appointment", ""),
    ("chubu", "servers", "", "new"),
    ("kanto", "storage", "", "new"),
    ("kyushu", "software", "", "new noconsent"),
    ("kinki", "cloud", "", "qualified"),
    ("tohoku", "servers", "", "qualified"),
]

#: Stages an accepted lead passes through after the appointment, by its final stage.
PATHS = {
    Stage.APPOINTMENT: [],
    Stage.NEEDS_HEARING: [Stage.NEEDS_HEARING],
    Stage.PROPOSAL: [Stage.NEEDS_HEARING, Stage.PROPOSAL],
    Stage.WON: [Stage.NEEDS_HEARING, Stage.PROPOSAL, Stage.WON],
    Stage.DELIVERED: [Stage.NEEDS_HEARING, Stage.PROPOSAL, Stage.WON, Stage.DELIVERED],
    Stage.PAID: [Stage.NEEDS_HEARING, Stage.PROPOSAL, Stage.WON, Stage.DELIVERED, Stage.PAID],
    Stage.LOST: [Stage.NEEDS_HEARING, Stage.LOST],
}

#: Deal registrations by outcome: what the partner typed, and what happened next.
REGISTRATIONS: dict[str, dict[str, Any]] = {
    "approved": {
        "fields": dict(
            company_name="株式会社三河オートパーツ",
            address="愛知県岡崎市康生町5-1-3",
            phone="0564-21-3380",
            representative="近藤 修",
            website="https://www.mikawa-autoparts.co.jp",
            industry="manufacturing",
            region="chubu",
            contact_name="森 拓也",
            contact_title="生産管理課 課長",
            contact_phone="0564-21-3391",
            contact_email="t.mori@mikawa-autoparts.co.jp",
            consent_method=ConsentMethod.PHONE,
            need="工場の生産管理サーバー更改。当社既存顧客で、先方から直接相談を受けた案件。",
            product_interest="servers",
            expected_value=9_800_000,
        ),
        "activity": (
            Channel.VISIT,
            NoteCategory.PRODUCT_INQUIRY,
            "工場を訪問し、現行サーバーの構成を確認。来週、構成案を提出予定。",
        ),
    },
    "pending": {
        "fields": dict(
            company_name="株式会社湾岸メディカルサポート",
            address="東京都江東区有明3-7-26",
            phone="03-5530-8821",
            representative="石川 浩",
            website="https://www.wangan-medical.co.jp",
            industry="healthcare",
            region="kanto",
            contact_name="藤田 香織",
            contact_title="事務局長",
            contact_phone="03-5530-8830",
            contact_email="k.fujita@wangan-medical.co.jp",
            need="Clinic group (4 sites) wants to move its file servers to the cloud.",
            product_interest="cloud",
            expected_value=4_200_000,
        ),
    },
    # The same clinic group, written with the old form of 会: staff see the conflict.
    "conflict": {
        "fields": dict(
            company_name="株式會社 湾岸メディカルサポート",
            address="東京都江東区有明3-7-26",
            phone="03-5530-8821",
            representative="石川 浩",
            website="https://www.wangan-medical.co.jp",
            industry="healthcare",
            region="kanto",
            contact_name="藤田 香織",
            contact_phone="03-5530-8830",
            contact_email="k.fujita@wangan-medical.co.jp",
            need="診療所4拠点のファイルサーバーをクラウドへ移行したいとの相談。",
            product_interest="cloud",
            expected_value=4_000_000,
        ),
    },
    "rejected": {
        "fields": dict(
            company_name="博多ロジスティクス株式会社",
            address="福岡県福岡市博多区博多駅前3-4-8",
            phone="092-411-5562",
            representative="後藤 誠",
            website="https://www.hakata-logistics.co.jp",
            industry="logistics",
            region="kyushu",
            contact_name="長谷川 由紀",
            contact_title="総務部 課長",
            contact_phone="092-411-5570",
            contact_email="y.hasegawa@hakata-logistics.co.jp",
            consent_method=ConsentMethod.WRITTEN,
            need="倉庫管理システムのクラウド移行とハンディ端末の入れ替え。",
            product_interest="cloud",
            expected_value=6_500_000,
        ),
        "reason": (
            "既に当社から別のパートナー様経由でご提案中のお客様のため、今回は登録できません。"
        ),
    },
}
