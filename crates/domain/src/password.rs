//! The password policy: long enough, not built on a common word or pattern, not the account's
//! name. The list of common words is shipped inside the binary (`password/common.txt`).

/// The fewest characters a password may have.
pub const MIN_CHARS: usize = 10;
/// The most characters a password may have.
pub const MAX_CHARS: usize = 200;
/// The fewest distinct characters: `aaaaaaaaaa` and `ababababab` are refused.
const MIN_DISTINCT: usize = 4;

const COMMON: &str = include_str!("password/common.txt");

/// Runs of keys and characters that make a password predictable when it follows them.
const SEQUENCES: [&str; 6] = [
    "01234567890123456789",
    "98765432109876543210",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "zyxwvutsrqponmlkjihgfedcbazyxwvutsrqponmlkjihgfedcba",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
];

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Weakness {
    #[error("a password has at least {MIN_CHARS} characters")]
    TooShort,
    #[error("a password has at most {MAX_CHARS} characters")]
    TooLong,
    /// Too few distinct characters, digits alone, or a run of keys or letters.
    #[error("a password needs more than a run of keys, digits alone or a few repeated characters")]
    Predictable,
    /// A common word or pattern, perhaps with digits and symbols around it.
    #[error("a password may not be built on a common word or pattern")]
    Common,
    /// It holds the account's name.
    #[error("a password may not contain the username")]
    HoldsTheName,
}

impl crate::Chinese for Weakness {
    fn chinese(&self) -> String {
        match self {
            Weakness::TooShort => format!("密码至少 {MIN_CHARS} 个字符"),
            Weakness::TooLong => format!("密码最多 {MAX_CHARS} 个字符"),
            Weakness::Predictable => "密码不能只是连续按键、纯数字或少数字符的重复".to_owned(),
            Weakness::Common => "密码不能基于常见词语或常见组合".to_owned(),
            Weakness::HoldsTheName => "密码不能包含用户名".to_owned(),
        }
    }
}

/// Checks a new password for the account `name`.
pub fn check(password: &str, name: &str) -> Result<(), Weakness> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(Weakness::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(Weakness::TooLong);
    }
    let lower = password.to_lowercase();
    let name = name.trim().to_lowercase();
    if name.chars().count() >= 3 && lower.contains(&name) {
        return Err(Weakness::HoldsTheName);
    }
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let predictable = distinct.len() < MIN_DISTINCT
        || lower.chars().all(|c| c.is_ascii_digit())
        || SEQUENCES.iter().any(|run| run.contains(lower.as_str()));
    if predictable {
        return Err(Weakness::Predictable);
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    let common = COMMON
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .any(|word| word == lower || word == core);
    if common {
        return Err(Weakness::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused_for_the_reason_that_makes_them_weak() {
        for (password, weakness) in [
            ("short", Weakness::TooShort),
            ("aaaaaaaaaa", Weakness::Predictable),
            ("ababababab", Weakness::Predictable),
            ("1234567890", Weakness::Predictable),
            ("5201314520", Weakness::Predictable),
            ("qwertyuiop", Weakness::Predictable),
            ("Password2024!", Weakness::Common),
            ("woaini1314", Weakness::Common),
            ("!!Welcome123", Weakness::Common),
            ("wang-xiaoming-99", Weakness::HoldsTheName),
        ] {
            assert_eq!(
                check(password, "wang-xiaoming"),
                Err(weakness),
                "{password}"
            );
        }
        assert_eq!(check(&"x1".repeat(101), "li"), Err(Weakness::TooLong));
    }

    #[test]
    fn passphrases_pass() {
        for password in [
            "correct horse battery",
            "东樊村三组门前的老槐树",
            "long enough password",
        ] {
            assert_eq!(check(password, "wang-xiaoming"), Ok(()), "{password}");
        }
    }
}
