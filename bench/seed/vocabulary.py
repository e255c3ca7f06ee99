"""What the generated rows are made of: catalogue codes with weights, Japanese texts."""

from __future__ import annotations

# Catalogue codes (models/catalogue.py) with realistic weights.
REGIONS = ["kanto", "kinki", "chubu", "kyushu", "tohoku", "chugoku", "hokkaido", "shikoku"]
REGION_WEIGHTS = [40, 18, 15, 9, 6, 5, 4, 3]
PRODUCT_LINES = ["servers", "storage", "software", "cloud", "security", "services"]
INDUSTRIES = [
    "manufacturing",
    "retail",
    "finance",
    "healthcare",
    "logistics",
    "construction",
    "public",
    "services",
]
SIZE_BANDS = ["1-49", "50-299", "300-999", "1000+"]
SIZE_WEIGHTS = [50, 30, 13, 7]
TIERS = ["platinum", "gold", "silver", "registered"]

PREFECTURES = {
    "kanto": ("東京都", "03", ["千代田区丸の内", "港区芝浦", "新宿区西新宿", "横浜市西区"]),
    "kinki": ("大阪府", "06", ["大阪市北区梅田", "大阪市中央区本町", "京都市下京区"]),
    "chubu": ("愛知県", "052", ["名古屋市中区栄", "名古屋市中村区名駅", "豊田市元城町"]),
    "kyushu": ("福岡県", "092", ["福岡市博多区博多駅前", "北九州市小倉北区"]),
    "tohoku": ("宮城県", "022", ["仙台市青葉区中央", "仙台市宮城野区"]),
    "chugoku": ("広島県", "082", ["広島市中区基町", "岡山市北区駅前町"]),
    "hokkaido": ("北海道", "011", ["札幌市中央区北一条", "旭川市宮下通"]),
    "shikoku": ("香川県", "087", ["高松市番町", "松山市一番町"]),
}
SURNAMES = [
    ("佐藤", "sato"),
    ("鈴木", "suzuki"),
    ("高橋", "takahashi"),
    ("田中", "tanaka"),
    ("伊藤", "ito"),
    ("渡辺", "watanabe"),
    ("山本", "yamamoto"),
    ("中村", "nakamura"),
    ("小林", "kobayashi"),
    ("加藤", "kato"),
    ("吉田", "yoshida"),
    ("山田", "yamada"),
    ("松本", "matsumoto"),
    ("井上", "inoue"),
    ("木村", "kimura"),
    ("林", "hayashi"),
]
GIVEN = ["太郎", "花子", "健一", "美咲", "大輔", "由美", "誠", "直子", "翔太", "恵"]
COMPANY_STEMS = ["東海", "中部", "関東", "日本", "大和", "富士", "三河", "北陸", "瀬戸", "青葉"]
COMPANY_WORDS = [
    "精機",
    "物流",
    "商事",
    "製作所",
    "システム",
    "電機",
    "建設",
    "薬品",
    "食品",
    "工業",
]
AFFIXES = ["株式会社{}", "{}株式会社", "有限会社{}", "{}(株)"]
TITLES = ["情報システム部 部長", "総務部 課長", "経営企画室", "代表取締役", "工場長"]
NEEDS = [
    "基幹サーバーの老朽化に伴う更改を検討中。",
    "拠点間のファイル共有とバックアップを見直したい。",
    "テレワーク環境のセキュリティを強化したい。",
    "販売管理システムをクラウドへ移行したい。",
    "保守契約の切れる機器の入れ替えを相談したい。",
]
TEASERS = [
    "{industry}企業、{size}名規模。{product}の更改を{timing}に検討。",
    "{region}の{industry}。{product}の導入について情報収集中。",
    "既存顧客。{product}の追加導入を検討、予算確保済み。",
]
NOTE_TEXTS = [
    "電話にて。現行サーバーが5年経過し、保守切れが近いとのこと。見積を希望。",
    "ウェブ問い合わせ。複数拠点のデータ共有に課題あり。担当者は前向き。",
    "訪問。決裁者は部長、来期予算で検討。競合他社からも提案を受けている。",
    "メールにて納期の確認。年度末までの導入を希望。",
    "クレーム対応の経緯あり。前回の導入時の対応に不満。丁寧なフォローが必要。",
    "製品に関する問い合わせ。ライセンス体系について説明した。",
]
COMMENT_TEXTS = [
    "本日お客様を訪問しました。次回は見積を持参します。",
    "ご紹介ありがとうございます。来週アポイントを取りました。",
    "先方の決裁が来月にずれ込むとのことです。",
    "提案書を送付しました。ご確認をお願いします。",
    "Thank you, we called the customer today and set up a meeting.",
]
AUDIT_ACTIONS = [
    ("offer.offered", "Offer"),
    ("offer.details_requested", "Offer"),
    ("offer.accepted", "Offer"),
    ("offer.declined", "Offer"),
    ("lead.viewed_contact", "Lead"),
    ("lead.stage_changed", "Lead"),
    ("comment.posted", "Offer"),
    ("note.added", "Lead"),
]
DECLINE_REASONS = [
    "no_capacity",
    "out_of_territory",
    "no_product_fit",
    "already_known",
    "too_small",
    "other",
]
LOST_REASONS = ["price", "competitor", "no_budget", "no_decision", "timing", "unreachable", "other"]
OPEN_OFFER_STATES = ["offered", "details_requested", "details_granted"]
RESPONSE_SLA_HOURS = 48
UPDATE_SLA_DAYS = 14
WORKING_STAGES = ("appointment", "needs_hearing", "proposal")
