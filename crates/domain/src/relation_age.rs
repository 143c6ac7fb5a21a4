//! Relations that fit ages: a member's relation to the head of household must be possible at
//! their ages. The bounds are deliberately wide (they catch typing errors, an 8-year-old
//! "spouse", a 7-year-old "parent"), not unusual families.

use chrono::NaiveDate;

use crate::assessment::age_on;
use crate::member::{Relation, Sex};

/// The legal marriage age (Civil Code of the PRC, art. 1047): 22 for men, 20 for women.
pub fn legal_marriage_age(sex: Sex) -> i32 {
    match sex {
        Sex::Male => 22,
        Sex::Female => 20,
    }
}

/// The least gap in years between a parent and a child (father or mother of the head, the
/// head and a son or daughter).
pub const MIN_PARENT_GAP_YEARS: i32 = 15;

/// The least gap between a grandparent and a grandchild (the head and a grandson or
/// granddaughter).
pub const MIN_GRANDPARENT_GAP_YEARS: i32 = 30;

/// A relation the ages do not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RelationAgeMismatch {
    #[error("a spouse is at least the legal marriage age ({min_age}); this member is {age}")]
    SpouseUnderMarriageAge { age: i32, min_age: i32 },
    #[error("a parent of the head is at least {MIN_PARENT_GAP_YEARS} years older than the head")]
    ParentNotOlderThanHead,
    #[error("a son or daughter of the head is at least {MIN_PARENT_GAP_YEARS} years younger than the head")]
    ChildNotYoungerThanHead,
    #[error("a grandchild of the head is at least {MIN_GRANDPARENT_GAP_YEARS} years younger than the head")]
    GrandchildNotYoungerThanHead,
}

impl crate::Chinese for RelationAgeMismatch {
    fn chinese(&self) -> String {
        match self {
            RelationAgeMismatch::SpouseUnderMarriageAge { age, min_age } => {
                format!("配偶应达到法定婚龄（{min_age} 周岁），该成员为 {age} 周岁")
            }
            RelationAgeMismatch::ParentNotOlderThanHead => {
                format!("户主的父母应比户主年长至少 {MIN_PARENT_GAP_YEARS} 岁")
            }
            RelationAgeMismatch::ChildNotYoungerThanHead => {
                format!("户主的子女应比户主年轻至少 {MIN_PARENT_GAP_YEARS} 岁")
            }
            RelationAgeMismatch::GrandchildNotYoungerThanHead => {
                format!("户主的孙子女应比户主年轻至少 {MIN_GRANDPARENT_GAP_YEARS} 岁")
            }
        }
    }
}

/// The years from `older`'s birth to `younger`'s (negative when `younger` is older).
fn gap_years(older: NaiveDate, younger: NaiveDate) -> i32 {
    if younger >= older {
        age_on(older, younger)
    } else {
        -age_on(younger, older)
    }
}

/// Whether a member of `relation`, born on `birth_date`, fits a head born on `head_birth_date`
/// (the head's own bounds are none), judged on `today`.
pub fn check_relation_age(
    relation: Relation,
    sex: Sex,
    birth_date: NaiveDate,
    head_birth_date: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), RelationAgeMismatch> {
    use Relation as R;
    if relation == R::Spouse {
        let (age, min_age) = (age_on(birth_date, today), legal_marriage_age(sex));
        if age < min_age {
            return Err(RelationAgeMismatch::SpouseUnderMarriageAge { age, min_age });
        }
    }
    let Some(head) = head_birth_date else {
        return Ok(());
    };
    let parent_gap = MIN_PARENT_GAP_YEARS;
    match relation {
        R::Father | R::Mother if gap_years(birth_date, head) < parent_gap => {
            Err(RelationAgeMismatch::ParentNotOlderThanHead)
        }
        R::Son | R::Daughter if gap_years(head, birth_date) < parent_gap => {
            Err(RelationAgeMismatch::ChildNotYoungerThanHead)
        }
        R::Grandson | R::Granddaughter
            if gap_years(head, birth_date) < MIN_GRANDPARENT_GAP_YEARS =>
        {
            Err(RelationAgeMismatch::GrandchildNotYoungerThanHead)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_child_spouse_or_parent_is_refused() {
        let today = day(2026, 12, 4);
        let head = Some(day(1975, 5, 1));
        let check = |relation, sex, birth| check_relation_age(relation, sex, birth, head, today);
        assert_eq!(
            check(Relation::Spouse, Sex::Female, day(2018, 1, 1)),
            Err(RelationAgeMismatch::SpouseUnderMarriageAge {
                age: 8,
                min_age: 20
            })
        );
        assert_eq!(
            check(Relation::Spouse, Sex::Female, day(2006, 12, 4)),
            Ok(())
        );
        assert!(
            check(Relation::Spouse, Sex::Male, day(2005, 1, 1)).is_err(),
            "21 < 22"
        );
        assert_eq!(
            check(Relation::Father, Sex::Male, day(2019, 1, 1)),
            Err(RelationAgeMismatch::ParentNotOlderThanHead)
        );
        assert_eq!(
            check(Relation::Mother, Sex::Female, day(1960, 5, 1)),
            Ok(())
        );
        assert_eq!(
            check(Relation::Son, Sex::Male, day(1980, 1, 1)),
            Err(RelationAgeMismatch::ChildNotYoungerThanHead)
        );
        assert_eq!(
            check(Relation::Daughter, Sex::Female, day(1990, 5, 1)),
            Ok(())
        );
        assert_eq!(
            check(Relation::Grandson, Sex::Male, day(2000, 1, 1)),
            Err(RelationAgeMismatch::GrandchildNotYoungerThanHead)
        );
        assert_eq!(check(Relation::Sibling, Sex::Male, day(2010, 1, 1)), Ok(()));
    }
}
