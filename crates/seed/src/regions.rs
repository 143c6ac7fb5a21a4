//! Regions of the seeded trees: their rows and made-up village names.

use chrono::NaiveDateTime;
use fupin_domain::region::RegionLevel;
use fupin_persistence::regions::RegionRow;
use rand::rngs::SmallRng;
use rand::Rng;

const VILLAGE_SYLLABLES: &[&str] = &[
    "东", "西", "南", "北", "马", "杨", "张", "樊", "家", "寨", "堡", "庄", "渠", "坡", "湾", "河",
    "新", "井", "槐", "柳",
];

pub(crate) fn region(
    code: &str,
    name: &str,
    parent: Option<&str>,
    now: NaiveDateTime,
) -> RegionRow {
    let level = match (&code[6..9], &code[9..]) {
        ("000", _) => RegionLevel::District,
        (_, "000") => RegionLevel::Town,
        _ => RegionLevel::Village,
    };
    RegionRow {
        id: uuid::Uuid::now_v7().to_string(),
        code: code.to_owned(),
        name: name.to_owned(),
        level: level.as_str().to_owned(),
        parent_code: parent.map(str::to_owned),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

pub(crate) fn village_name(rng: &mut SmallRng, taken: &[RegionRow]) -> String {
    loop {
        let a = VILLAGE_SYLLABLES[rng.gen_range(0..VILLAGE_SYLLABLES.len())];
        let b = VILLAGE_SYLLABLES[rng.gen_range(0..VILLAGE_SYLLABLES.len())];
        let name = format!("{a}{b}村");
        if a != b && !taken.iter().any(|r| r.name == name) {
            return name;
        }
    }
}
