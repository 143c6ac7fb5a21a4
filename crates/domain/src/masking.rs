//! How personal data is shown to callers who may not see it whole.

/// `610117********123X`: the county code and the last four characters stay.
pub fn mask_id_number(number: &str) -> String {
    mask(number, 6, 4)
}

/// `138****5678`: the first three and the last four digits stay.
pub fn mask_phone(phone: &str) -> String {
    mask(phone, 3, 4)
}

/// `6222********1234`: the bank and the last four digits stay.
pub fn mask_bank_account(account: &str) -> String {
    mask(account, 4, 4)
}

fn mask(text: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - keep_start - keep_end;
    let mut shown: String = chars[..keep_start].iter().collect();
    shown.push_str(&"*".repeat(hidden));
    shown.extend(&chars[chars.len() - keep_end..]);
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_documented_parts() {
        assert_eq!(mask_id_number("61011719730512123X"), "610117********123X");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("029-86912345"), "029*****2345");
        assert_eq!(
            mask_bank_account("6222021234567890123"),
            "6222***********0123"
        );
        assert_eq!(mask_phone("1234"), "****");
    }
}
