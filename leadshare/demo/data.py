"""The demo's literal data: places, names, conversations, partners and the plan of every lead.

:mod:`leadshare.demo.build` turns it into records through the rules; nothing here
runs any code. Changing a value here changes the demo that ``flask --app wsgi demo``
loads (tests/test_demo.py checks what the demo must show).
"""

from __future__ import annotations

from typing import Any

from models import (
    Channel,
    ConsentMethod,
    DeclineReason,
    Engagement,
    Locale,
    LostReason,
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

#: Per product line: (teaser ending, need, what the prospect said on the first call).
SCENARIOS: dict[str, list[tuple[str, str, str]]] = {
    "servers": [
        (
            "基幹系サーバーの保守期限切れに伴い、年度内の更改を検討中。",
            "基幹系サーバー2台の更改。現行機は2017年導入で来年3月に保守終了。停止時間を最小限にした移行を希望。",
            "「今使っているサーバーが来年の3月で保守が切れると言われまして。入れ替えるなら年度内に済ませたいんです。"
            "予算はまだ正式ではないですが、800万円くらいまでなら社長も了承すると思います。」",
        ),
        (
            "生産管理システムの処理遅延に悩んでおり、サーバー増強を検討。",
            "月末の締め処理に6時間以上かかっている。サーバー増強または仮想化基盤への集約を検討したい。",
            "「月末になると生産管理の締め処理が朝までかかってしまって、現場から苦情が出ているんです。"
            "サーバーを増やすのか、まとめて仮想化するのか、正直どちらがいいのか分からないので相談に乗ってほしいです。」",
        ),
        (
            "拠点統合に合わせたサーバー集約と仮想化を計画。",
            "3拠点に分散しているサーバー8台を本社に集約し、仮想化したい。",
            "「来年の春に営業所を一つ閉めて本社に統合するので、そのタイミングでサーバーもまとめたいと考えています。"
            "今は各拠点にバラバラに置いてあって、管理が大変なんですよ。」",
        ),
    ],
    "storage": [
        (
            "ファイルサーバーの容量逼迫とバックアップ体制の見直し。",
            "図面データの増加でファイルサーバーの空き容量が残り1割。バックアップもテープ運用で手間がかかっている。",
            "「CADの図面がどんどん増えて、ファイルサーバーの空きがもう1割を切っているんです。"
            "バックアップも毎晩テープを入れ替えていて、担当者が休むと誰もできない状態で……。」",
        ),
        (
            "ランサムウェア対策を兼ねたバックアップ基盤の刷新。",
            "同業他社のランサムウェア被害を受け、世代管理できるバックアップ基盤を導入したい。",
            "「取引先がランサムウェアにやられて2週間工場が止まったと聞いて、うちも他人事じゃないと社長が言い出しまして。"
            "バックアップを別の場所に、何世代か残せる仕組みにしたいんです。」",
        ),
        (
            "業務データの増加に伴うストレージの増設または更改。",
            "基幹システムのデータが年20%で増加。現行ストレージの増設か更改かを比較したい。",
            "「データが毎年2割ずつ増えていて、今のストレージだとあと1年もたないと言われました。"
            "増設で済むのか、入れ替えた方が安いのか、比較した資料がほしいです。」",
        ),
    ],
    "software": [
        (
            "販売管理・在庫管理パッケージへの入れ替えを検討。",
            "自社開発の販売管理システムが属人化。パッケージへの移行を検討中。",
            "「販売管理は15年前に作ったものをずっと使っているんですが、作った人がもう定年で辞めてしまって、"
            "誰も中身が分からないんです。パッケージに乗り換えたいので、同業の事例があれば教えてください。」",
        ),
        (
            "インボイス制度・電子帳簿保存法への対応が急務。",
            "請求書発行と経費精算を電子化し、インボイス制度と電子帳簿保存法に対応したい。",
            "「インボイスの対応は何とか手作業でしのいでいるんですが、経理が毎月残業続きで限界です。"
            "電子帳簿保存法の方もまだ手つかずで、まとめて相談できるところを探していました。」",
        ),
        (
            "紙とExcel中心の申請・承認業務をワークフローで電子化したい。",
            "稟議・申請の紙運用をやめ、スマートフォンでも承認できるワークフローシステムを導入したい。",
            "「稟議書がいまだに紙で回っていて、社長が出張だと1週間止まるんです。"
            "スマホで承認できるようにしたいというのが一番の要望です。」",
        ),
    ],
    "cloud": [
        (
            "オンプレミスの業務システムをクラウドへ移行したい。",
            "社内サーバー室の空調更新を機に、業務システムをクラウドへ移したい。",
            "「サーバー室の空調が古くて、夏場に何度か止まりかけたんです。"
            "空調を入れ替えるくらいなら、いっそクラウドに移した方がいいんじゃないかという話になっています。」",
        ),
        (
            "テレワーク・外出先からの業務環境をクラウドで整備。",
            "営業30名が外出先から社内システムを安全に使える環境を作りたい。",
            "「営業が外から見積もりを出せなくて、わざわざ会社に戻ってきているんです。"
            "外出先からでも安全に使えるようにしたい、できればクラウドで、というのが部長の考えです。」",
        ),
        (
            "BCP対策としてクラウド上の待機系（DR）を検討。",
            "災害時に業務を継続できるよう、クラウド上に待機系を用意したい。",
            "「去年の大雨で本社が一時停電して、受注が丸一日止まりました。"
            "取引先からもBCPの計画を出してほしいと言われていて、何か手を打たないといけないんです。」",
        ),
    ],
    "security": [
        (
            "UTMの更改とネットワーク監視の外部委託を検討。",
            "UTMのサポート終了に伴う更改と、24時間監視の外部委託を検討。",
            "「ファイアウォールのサポートが今年度で終わると通知が来ました。"
            "情報システムは私一人なので、できれば監視も含めてお任せしたいんです。」",
        ),
        (
            "取引先のセキュリティ監査に対応するための対策強化。",
            "大手取引先からセキュリティチェックシートの提出を求められ、端末管理とログ管理の整備が急務。",
            "「大手の取引先からセキュリティのチェックシートが届いて、半分くらい『いいえ』なんです。"
            "このままだと取引に影響すると言われて、正直焦っています。」",
        ),
        (
            "標的型メール対策と社員向けセキュリティ教育。",
            "不審メールの被害が続いており、メールセキュリティと訓練サービスを導入したい。",
            "「先月、経理あてに取引先を装ったメールが来て、危うく振り込むところでした。"
            "システムで防ぐのと、社員への教育と、両方やりたいと思っています。」",
        ),
    ],
    "services": [
        (
            "保守契約の一本化とヘルプデスクの外部委託。",
            "複数業者に分散している保守契約を一本化し、社内ヘルプデスクを外部委託したい。",
            "「パソコンはA社、サーバーはB社、ネットワークはC社と保守がバラバラで、"
            "トラブルのたびにどこに電話すればいいか分からないんです。窓口を一本にしたいんですよね。」",
        ),
        (
            "PC約100台の入れ替えとキッティング作業の委託。",
            "業務用PC約100台の入れ替えと、キッティング・データ移行の作業委託。",
            "「パソコンが100台くらいあって、来年の夏までに全部入れ替えないといけないんです。"
            "設定作業まで社内でやる余力はないので、まとめてお願いできるところを探しています。」",
        ),
        (
            "IT資産の棚卸しと運用コスト削減の提案を希望。",
            "ライセンスやリース契約の棚卸しと、運用コストの削減提案がほしい。",
            "「何にいくら払っているのか、誰も全体を把握していないんです。"
            "リースが切れたのに払い続けていたものもあって、一度全部見直したいと経営会議で決まりました。」",
        ),
    ],
}

#: Follow-up conversations: (channel, category, text).
FOLLOW_UPS = [
    (
        Channel.EMAIL,
        NoteCategory.PRODUCT_INQUIRY,
        "「資料ありがとうございました。社内で検討した結果、一度詳しい話を聞きたいということになりました。"
        "来月の第2週あたりでご都合いかがでしょうか。」",
    ),
    (
        Channel.PHONE,
        NoteCategory.DELIVERY,
        "「導入するなら、繁忙期の12月は避けて、1月か2月にしてもらえると助かります。"
        "工場が止められるのは土日だけなので、作業もそこでお願いしたいです。」",
    ),
    (
        Channel.WEB,
        NoteCategory.PRODUCT_INQUIRY,
        "Webお問い合わせフォームより：「現行環境の構成図を添付します。概算で構いませんので費用感を知りたいです。」",
    ),
    (
        Channel.PHONE,
        NoteCategory.COMPLAINT,
        "「前に入れてもらった機械、去年2回止まったことがあって、そこはちゃんと説明してほしいです。"
        "次も同じことがあったら困るので。」",
    ),
    (
        Channel.VISIT,
        NoteCategory.ORDER,
        "「見積もりの内容で問題なければ、年度内に発注したいと考えています。稟議は来月の役員会です。」",
    ),
]
INTERNAL_NOTES = [
    "決裁者は社長。情報システム担当は兼任で1名のみ。競合2社が提案中との情報あり。",
    "予算は来期予算で確保済み（担当者談）。ただし金額は未確定。",
    "2021年に当社製品で障害対応の経緯あり。対応スピードを重視する傾向。",
    "展示会で名刺交換。関心は高いが、まだ情報収集段階の可能性もある。",
    "社長が同業の勉強会で他社事例を聞いてきたのがきっかけ。トップダウンで進む見込み。",
    "前任の担当者は退職済み。現担当は着任3か月で、社内調整に時間がかかりそう。",
]

#: Foreign-affiliated companies whose leads are kept in English.
ENGLISH_COMPANIES = {
    "nordvik": {
        "company_name": "Nordvik Marine Japan K.K.",
        "address": "大阪府大阪市北区中之島3-2-18 中之島フェスティバルタワー21F",
        "phone": "06-6202-4410",
        "representative": "Henrik Solberg",
        "website": "https://www.nordvik-marine.co.jp",
        "industry": "logistics",
        "size_band": "50-299",
        "contact_name": "Lars Eriksen",
        "contact_title": "IT Manager",
        "contact_phone": "06-6202-4415",
        "contact_email": "lars.eriksen@nordvik-marine.co.jp",
        "teaser": "Foreign-affiliated shipping agent in Osaka (about 80 staff) replacing its "
        "ERP servers before support ends.",
        "need": "Replace two ERP servers before next March; the head office wants a local partner "
        "who can report in English.",
        "said": "“Our ERP servers run out of support next March. Head office in Oslo wants the "
        "replacement done by then, and they would like a local partner who can report to them "
        "in English.”",
    },
    "brightwater": {
        "company_name": "Brightwater Analytics Japan G.K.",
        "address": "東京都港区六本木6-10-1 六本木ヒルズ森タワー28F",
        "phone": "03-4578-2100",
        "representative": "Sarah Mitchell",
        "website": "https://www.brightwater-analytics.co.jp",
        "industry": "services",
        "size_band": "50-299",
        "contact_name": "Emily Carter",
        "contact_title": "Head of Operations",
        "contact_phone": "03-4578-2107",
        "contact_email": "emily.carter@brightwater-analytics.co.jp",
        "teaser": "Data analytics firm in Tokyo (about 120 staff) moving its on-premise "
        "servers to the cloud.",
        "need": "Move the analytics platform from a rented server room to the cloud within "
        "six months, with data kept in Japan.",
        "said": "“Our lease on the server room ends in September. We would rather not sign "
        "again; the data has to stay in Japan for our clients, though.”",
    },
    "helvetia": {
        "company_name": "Helvetia Precision Japan K.K.",
        "address": "神奈川県横浜市西区みなとみらい2-3-5 クイーンズタワーC 17F",
        "phone": "045-682-3300",
        "representative": "Markus Keller",
        "website": "https://www.helvetia-precision.co.jp",
        "industry": "manufacturing",
        "size_band": "300-999",
        "contact_name": "Thomas Brunner",
        "contact_title": "Plant IT Lead",
        "contact_phone": "045-682-3321",
        "contact_email": "thomas.brunner@helvetia-precision.co.jp",
        "teaser": "Swiss-owned precision parts maker in Yokohama (about 400 staff) needs "
        "storage for inspection images.",
        "need": "Store five years of high-resolution inspection images (about 80 TB) with "
        "fast search for audits.",
        "said": "“Every part we ship is photographed, and our customers in the medical field "
        "can ask for the images for five years. We are at 60 terabytes and growing.”",
    },
    "mapleleaf": {
        "company_name": "Maple Leaf Foods Trading Japan K.K.",
        "address": "福岡県福岡市博多区博多駅前2-1-1 福岡朝日ビル9F",
        "phone": "092-431-7720",
        "representative": "Daniel Roy",
        "website": "https://www.mapleleaf-trading.co.jp",
        "industry": "retail",
        "size_band": "1-49",
        "contact_name": "Olivia Tremblay",
        "contact_title": "General Manager, Administration",
        "contact_phone": "092-431-7725",
        "contact_email": "olivia.tremblay@mapleleaf-trading.co.jp",
        "teaser": "Food importer in Fukuoka (about 30 staff) wants cloud tools so its staff "
        "can work remotely.",
        "need": "Cloud office suite, remote access and device management for 30 staff.",
        "said": "“Half of our team works from home two days a week now, and they still email "
        "spreadsheets to each other. We want something simple and secure.”",
    },
}
ENGLISH_INTERNAL = (
    "Decision sits with the regional CFO in Singapore; budget approved in USD. "
    "Expect to quote in both JPY and USD."
)

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

# Work on an accepted lead: (channel, category, detail) per stage reached.
ACTIVITY_TEXT = {
    Stage.APPOINTMENT: (
        Channel.PHONE,
        NoteCategory.OTHER,
        "お客様に電話し、初回訪問の日程を調整中。候補日を3つ提示し、返事待ち。",
    ),
    Stage.NEEDS_HEARING: (
        Channel.VISIT,
        NoteCategory.PRODUCT_INQUIRY,
        "初回訪問。ご担当者と面談し、現行システムの構成と課題をヒアリング。"
        "次回、要件の整理結果をお持ちする約束。",
    ),
    Stage.PROPOSAL: (
        Channel.VISIT,
        NoteCategory.PRODUCT_INQUIRY,
        "要件ヒアリング2回目。予算と導入時期を確認（来期予算で確保済み）。"
        "構成案と概算見積もりを作成中。",
    ),
    Stage.WON: (
        Channel.VISIT,
        NoteCategory.ORDER,
        "提案書と見積もりを提出。役員会で承認され、内示をいただいた。",
    ),
    Stage.DELIVERED: (
        Channel.VISIT,
        NoteCategory.DELIVERY,
        "納品・設置作業を実施。データ移行も予定どおり完了し、検収書を受領。",
    ),
    Stage.PAID: (Channel.EMAIL, NoteCategory.ORDER, "請求書を送付済み。月末に入金を確認。"),
    Stage.LOST: (
        Channel.PHONE,
        NoteCategory.OTHER,
        "お客様より連絡。今回は他社の提案で進めることになったとのこと。",
    ),
}
ACTIVITY_TEXT_EN = {
    Stage.APPOINTMENT: "Called the customer to book a first visit; offered three dates.",
    Stage.NEEDS_HEARING: "First visit: walked through the current setup and pain points with "
    "the IT lead. Follow-up with a requirements summary next week.",
    Stage.PROPOSAL: "Second meeting: budget and timeline confirmed. Drafting the proposal "
    "and a rough quote.",
    Stage.WON: "Proposal accepted by the regional CFO; purchase order received.",
    Stage.DELIVERED: "Delivered and installed; acceptance certificate signed.",
    Stage.PAID: "Invoice paid.",
    Stage.LOST: "Customer chose another vendor's offer.",
}

DECLINES = [
    (DeclineReason.NO_CAPACITY, "今月は既存案件の導入が重なっており、対応できる技術者がいません。"),
    (DeclineReason.ALREADY_KNOWN, "既に当社の営業が別件で訪問している顧客です。"),
    (DeclineReason.TOO_SMALL, None),
    (DeclineReason.OTHER, "お客様の所在地が当社拠点から遠く、保守対応が難しいためです。"),
    (DeclineReason.NO_PRODUCT_FIT, "当社では該当製品の導入実績がありません。"),
]
WITHDRAW_REASONS = [
    "お客様の社内事情により、検討が来期に延期となったため。",
    "お客様から、既存の取引先経由で進めたいとのご意向があったため。",
]
LOST_OUTCOMES = [
    (LostReason.COMPETITOR, "他社の提案が価格面で上回った。"),
    (LostReason.NO_BUDGET, "予算が来期に持ち越しとなった。"),
    (LostReason.PRICE, None),
]

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
