//! Resident ID numbers (居民身份证号码, GB 11643): 17 digits and an ISO 7064 MOD 11-2 check
//! character; characters 7–14 are the birth date, character 17 is odd for men.

use chrono::NaiveDate;
use std::fmt;

use crate::member::Sex;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARACTERS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Why a string is not a valid resident ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    #[error("a resident ID number is 17 digits followed by a digit or X")]
    Malformed,
    #[error("the check character should be {expected}")]
    CheckCharacter { expected: char },
    #[error("characters 7 to 14 are not a real date")]
    BirthDateInvalid,
    #[error("the birth date in the number is in the future")]
    BirthDateInFuture,
}

impl crate::Chinese for ResidentIdError {
    fn chinese(&self) -> String {
        match self {
            ResidentIdError::Malformed => {
                "身份证号码应为 18 位：前 17 位为数字，最后一位为数字或 `X`".to_owned()
            }
            ResidentIdError::CheckCharacter { expected } => format!("校验码应为 `{expected}`"),
            ResidentIdError::BirthDateInvalid => "第 7 至 14 位不是有效的出生日期".to_owned(),
            ResidentIdError::BirthDateInFuture => "号码中的出生日期晚于今天".to_owned(),
        }
    }
}

/// A resident ID number whose check character and birth date are valid.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentIdNumber(String);

impl ResidentIdNumber {
    /// Parses a number; a lowercase `x` is accepted and stored upper-case. `today` bounds the
    /// birth date.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<Self, ResidentIdError> {
        let number = raw.trim().to_ascii_uppercase();
        let bytes = number.as_bytes();
        if bytes.len() != 18
            || !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(ResidentIdError::Malformed);
        }
        let expected = check_character(&number[..17]);
        if char::from(bytes[17]) != expected {
            return Err(ResidentIdError::CheckCharacter { expected });
        }
        let birth = NaiveDate::parse_from_str(&number[6..14], "%Y%m%d")
            .map_err(|_| ResidentIdError::BirthDateInvalid)?;
        if birth > today {
            return Err(ResidentIdError::BirthDateInFuture);
        }
        Ok(Self(number))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        // parse() accepted only numbers whose characters 7-14 form a date.
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or_default()
    }

    pub fn sex(&self) -> Sex {
        let digit = self.0.as_bytes()[16] - b'0';
        if digit % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }
}

impl fmt::Debug for ResidentIdNumber {
    // Personal data: a debug print or a log line shows only the county and the last character.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentIdNumber({}…{})", &self.0[..6], &self.0[17..])
    }
}

/// The check character of the first 17 digits (ISO 7064 MOD 11-2).
pub fn check_character(first_seventeen: &str) -> char {
    let sum: u32 = first_seventeen
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARACTERS[(sum % 11) as usize]
}

/// Builds a valid number from its parts; used for synthetic demo and benchmark data.
pub fn compose(address_code: &str, birth: NaiveDate, sequence: u16, sex: Sex) -> String {
    let sequence = sequence % 500;
    let order = match sex {
        Sex::Male => sequence * 2 + 1,
        Sex::Female => sequence * 2,
    };
    let first = format!("{address_code:0>6.6}{}{order:03}", birth.format("%Y%m%d"));
    let check = check_character(&first);
    format!("{first}{check}")
}

/// Why a member's sex or birth date disagrees with their resident ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityMismatch {
    #[error("the resident ID number says {number}, not {given}")]
    Sex { number: Sex, given: Sex },
    #[error("the resident ID number says born {number}, not {given}")]
    BirthDate { number: NaiveDate, given: NaiveDate },
}

impl crate::Chinese for IdentityMismatch {
    fn chinese(&self) -> String {
        match self {
            IdentityMismatch::Sex { number, given } => format!(
                "身份证号码显示性别为“{}”，与填写的“{}”不符",
                number.chinese(),
                given.chinese()
            ),
            IdentityMismatch::BirthDate { number, given } => {
                format!("身份证号码显示出生日期为 {number}，与填写的 {given} 不符")
            }
        }
    }
}

/// Checks that the sex and birth date given for a person agree with their number.
pub fn check_consistency(
    number: &ResidentIdNumber,
    sex: Sex,
    birth_date: NaiveDate,
) -> Vec<IdentityMismatch> {
    let mut mismatches = Vec::new();
    if number.sex() != sex {
        mismatches.push(IdentityMismatch::Sex {
            number: number.sex(),
            given: sex,
        });
    }
    if number.birth_date() != birth_date {
        mismatches.push(IdentityMismatch::BirthDate {
            number: number.birth_date(),
            given: birth_date,
        });
    }
    mismatches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn accepts_the_standard_example() {
        // The worked example of GB 11643-1999.
        let number = ResidentIdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(
            number.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(number.sex(), Sex::Female);
        assert_eq!(check_character("44052418800101001"), '4');
    }

    #[test]
    fn lowercase_x_is_normalised() {
        let number = ResidentIdNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(number.as_str(), "11010519491231002X");
    }

    #[test]
    fn rejects_a_wrong_check_character() {
        assert_eq!(
            ResidentIdNumber::parse("110105194912310021", today()),
            Err(ResidentIdError::CheckCharacter { expected: 'X' })
        );
    }

    #[test]
    fn rejects_malformed_numbers() {
        for bad in [
            "",
            "11010519491231002",
            "11010519491231002XX",
            "1101051949123100XX",
            "A1010519491231002X",
        ] {
            assert_eq!(
                ResidentIdNumber::parse(bad, today()),
                Err(ResidentIdError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn rejects_impossible_and_future_birth_dates() {
        let feb_30 = compose(
            "610117",
            NaiveDate::from_ymd_opt(2000, 2, 28).unwrap(),
            1,
            Sex::Male,
        )
        .replace("20000228", "20000230");
        let fixed = format!("{}{}", &feb_30[..17], check_character(&feb_30[..17]));
        assert_eq!(
            ResidentIdNumber::parse(&fixed, today()),
            Err(ResidentIdError::BirthDateInvalid)
        );
        let tomorrow = compose("610117", today().succ_opt().unwrap(), 1, Sex::Male);
        assert_eq!(
            ResidentIdNumber::parse(&tomorrow, today()),
            Err(ResidentIdError::BirthDateInFuture)
        );
        let born_today = compose("610117", today(), 1, Sex::Male);
        assert!(ResidentIdNumber::parse(&born_today, today()).is_ok());
    }

    #[test]
    fn composed_numbers_are_valid_and_carry_sex_and_birth() {
        let birth = NaiveDate::from_ymd_opt(1968, 5, 17).unwrap();
        for seq in [0, 1, 250, 499, 777] {
            for sex in [Sex::Male, Sex::Female] {
                let raw = compose("610117", birth, seq, sex);
                let number = ResidentIdNumber::parse(&raw, today()).unwrap();
                assert_eq!(number.sex(), sex);
                assert_eq!(number.birth_date(), birth);
            }
        }
    }

    #[test]
    fn consistency_names_each_mismatch() {
        let birth = NaiveDate::from_ymd_opt(1975, 1, 2).unwrap();
        let number =
            ResidentIdNumber::parse(&compose("610117", birth, 3, Sex::Male), today()).unwrap();
        assert!(check_consistency(&number, Sex::Male, birth).is_empty());
        let other_day = birth.succ_opt().unwrap();
        assert_eq!(
            check_consistency(&number, Sex::Female, other_day),
            vec![
                IdentityMismatch::Sex {
                    number: Sex::Male,
                    given: Sex::Female
                },
                IdentityMismatch::BirthDate {
                    number: birth,
                    given: other_day
                },
            ]
        );
    }

    #[test]
    fn refusals_say_the_same_in_chinese() {
        use crate::bilingual::tests::assert_bilingual;
        for bad in ["1101051949123100", "110105194912310021"] {
            let error = ResidentIdNumber::parse(bad, today()).unwrap_err();
            assert_bilingual(&error);
        }
        let birth = NaiveDate::from_ymd_opt(1975, 1, 2).unwrap();
        let number =
            ResidentIdNumber::parse(&compose("610117", birth, 3, Sex::Male), today()).unwrap();
        for mismatch in check_consistency(&number, Sex::Female, birth.succ_opt().unwrap()) {
            assert_bilingual(&mismatch);
        }
    }

    #[test]
    fn debug_output_hides_the_number() {
        let number = ResidentIdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(format!("{number:?}"), "ResidentIdNumber(110105…X)");
    }
}
