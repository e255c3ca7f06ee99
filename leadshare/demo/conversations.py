"""What people say and write in the demo: first calls, follow-ups, internal notes, the
English-speaking customers, the work logged on accepted leads, and the reasons for
declines, withdrawals and lost deals.

Literal data like :mod:`leadshare.demo.data`, which holds the organisations, the
people, the places and the plan of every lead; :mod:`leadshare.demo.build` turns
both into records through the rules.
"""

from __future__ import annotations

from models import Channel, DeclineReason, LostReason, NoteCategory, Stage

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
