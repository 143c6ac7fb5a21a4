//! Money and counts added up for an answer: checked, never wrapped.

use crate::error::AppError;

/// Adds to a figure, refusing to wrap: with the bounds every amount has on input this cannot
/// overflow, and if the stored records ever made it, the answer says so instead of lying.
pub fn add(total: &mut i64, amount: i64) -> Result<(), AppError> {
    *total = total.checked_add(amount).ok_or_else(|| {
        tracing::error!(total = *total, amount, "a total overflowed");
        AppError::internal().with_detail(
            "A figure is too large to add up; the records need checking",
            "统计数值超出范围，请核查数据",
        )
    })?;
    Ok(())
}

/// The sum of `amounts`, checked.
pub fn sum(amounts: impl IntoIterator<Item = i64>) -> Result<i64, AppError> {
    let mut total = 0;
    for amount in amounts {
        add(&mut total, amount)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_refuse_to_wrap() {
        assert_eq!(sum([1, 2, 3]).unwrap(), 6);
        assert!(sum([i64::MAX, 1]).is_err());
        let mut total = i64::MIN;
        assert!(add(&mut total, -1).is_err());
        assert_eq!(total, i64::MIN, "a refused addition leaves the total alone");
    }
}
