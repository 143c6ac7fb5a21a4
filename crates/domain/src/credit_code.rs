//! Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters from a
//! 31-character alphabet (no I, O, S, V, Z); the last is a check character over the first 17
//! with weights 3^(i-1) mod 31.

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a string is not a unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error(
        "a unified social credit code is 18 characters from 0-9 and A-Y without I, O, S, V, Z"
    )]
    Malformed,
    #[error("the check character should be {0}")]
    CheckCharacter(char),
}

impl crate::Chinese for CreditCodeError {
    fn chinese(&self) -> String {
        match self {
            CreditCodeError::Malformed => "统一社会信用代码应为 18 位，由数字 `0`–`9` 和大写字母 \
                 `A`–`Y`（不含 `I`、`O`、`S`、`V`、`Z`）组成"
                .to_owned(),
            CreditCodeError::CheckCharacter(expected) => format!("校验码应为 `{expected}`"),
        }
    }
}

fn value(byte: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|b| *b == byte)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check character of the first 17 characters, if they are in the alphabet.
pub fn check_character(first_seventeen: &str) -> Option<char> {
    let mut sum = 0;
    for (byte, weight) in first_seventeen.bytes().zip(WEIGHTS) {
        sum += value(byte)? * weight;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.get(check as usize).map(|b| char::from(*b))
}

/// Checks a code (upper-cased first) and returns it normalised.
pub fn parse(raw: &str) -> Result<String, CreditCodeError> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() != 18 || !code.bytes().all(|b| value(b).is_some()) {
        return Err(CreditCodeError::Malformed);
    }
    let expected = check_character(&code[..17]).ok_or(CreditCodeError::Malformed)?;
    if code.as_bytes()[17] != expected as u8 {
        return Err(CreditCodeError::CheckCharacter(expected));
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_composed_code_passes_and_a_changed_one_fails() {
        let first = "9161011707";
        let body = format!("{first}1234567");
        let code = format!("{body}{}", check_character(&body).unwrap());
        assert_eq!(parse(&code.to_lowercase()), Ok(code.clone()));
        let mut broken = code.clone().into_bytes();
        broken[5] = if broken[5] == b'1' { b'2' } else { b'1' };
        assert!(matches!(
            parse(&String::from_utf8(broken).unwrap()),
            Err(CreditCodeError::CheckCharacter(_))
        ));
    }

    #[test]
    fn letters_outside_the_alphabet_and_wrong_lengths_are_malformed() {
        assert_eq!(parse("91610117MA6TXXXXXI"), Err(CreditCodeError::Malformed));
        assert_eq!(parse("9161011"), Err(CreditCodeError::Malformed));
        assert_eq!(parse("91610117OA6T000000"), Err(CreditCodeError::Malformed));
    }

    #[test]
    fn the_check_follows_the_standard_weights() {
        // All zeros: sum 0, check (31 - 0) % 31 = 0.
        assert_eq!(check_character("00000000000000000"), Some('0'));
        // A single 1 in the first place: 31 - 1 = 30 -> 'Y'.
        assert_eq!(check_character("10000000000000000"), Some('Y'));
    }
}
