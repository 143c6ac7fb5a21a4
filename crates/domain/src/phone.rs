//! Phone numbers as recorded in the field: an 11-digit mobile number or a landline with area code.

/// Why a string is not a phone number we can call back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a phone number is an 11-digit mobile number (1xxxxxxxxxx) or a landline with area code (0xx-xxxxxxxx)")]
pub struct PhoneError;

impl crate::Chinese for PhoneError {
    fn chinese(&self) -> String {
        "电话号码应为 11 位手机号码（以 1 开头），或带区号的固定电话（如 029-86912345）".to_owned()
    }
}

/// A mobile or landline number, stored without spaces.
#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let digits = compact.replace('-', "");
        if !digits.bytes().all(|b| b.is_ascii_digit()) || compact.matches('-').count() > 1 {
            return Err(PhoneError);
        }
        let is_mobile = !compact.contains('-')
            && digits.len() == 11
            && digits.starts_with('1')
            && matches!(digits.as_bytes()[1], b'3'..=b'9');
        let is_landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
        if is_mobile || is_landline {
            Ok(Self(compact))
        } else {
            Err(PhoneError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PhoneNumber {
    // Personal data: never printed whole in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tail = &self.0[self.0.len().saturating_sub(4)..];
        write!(f, "PhoneNumber(…{tail})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mobile_and_landline_numbers() {
        assert_eq!(
            PhoneNumber::parse("138 1234 5678").unwrap().as_str(),
            "13812345678"
        );
        assert_eq!(
            PhoneNumber::parse("029-86912345").unwrap().as_str(),
            "029-86912345"
        );
        assert!(PhoneNumber::parse("02986912345").is_ok());
    }

    #[test]
    fn rejects_other_strings() {
        for bad in [
            "",
            "12812345678",
            "1381234567",
            "138123456789",
            "abc",
            "029--8691234",
            "+8613812345678",
        ] {
            assert_eq!(PhoneNumber::parse(bad), Err(PhoneError), "{bad}");
        }
    }
}
