//! Industry dividends (产业分红): a pool shared among linked households by stake, exact to the
//! fen. Each household first gets the floor of its exact share; the fen left over go one each
//! to the largest remainders, ties broken by the smaller household id (so the same inputs
//! always give the same split).

term_enum! {
    /// Business entity 新型经营主体: `enterprise` 企业, `cooperative` 合作社, `family_farm` 家庭农场,
    /// `other` 其他.
    EntityKind {
        Enterprise = "enterprise" / "企业",
        Cooperative = "cooperative" / "合作社",
        FamilyFarm = "family_farm" / "家庭农场",
        Other = "other" / "其他",
    }
}

term_enum! {
    /// How a household is linked to an entity 利益联结: `shares` 入股分红, `land` 土地流转, `job` 务工就业.
    LinkKind {
        Shares = "shares" / "入股分红",
        Land = "land" / "土地流转",
        Job = "job" / "务工就业",
    }
}

/// Why a pool cannot be shared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    #[error("the pool must be positive")]
    PoolNotPositive,
    #[error("no household has a stake")]
    NoStakes,
    #[error("stakes must be positive")]
    StakeNotPositive,
}

impl crate::Chinese for AllocationError {
    fn chinese(&self) -> String {
        match self {
            AllocationError::PoolNotPositive => "分红总额必须大于零",
            AllocationError::NoStakes => "没有农户享有分红份额",
            AllocationError::StakeNotPositive => "各户的分红份额必须大于零",
        }
        .to_owned()
    }
}

/// Splits `pool_fen` by `stakes` (household id, stake). The parts sum to the pool exactly.
pub fn allocate(
    pool_fen: i64,
    stakes: &[(String, i64)],
) -> Result<Vec<(String, i64)>, AllocationError> {
    if pool_fen <= 0 {
        return Err(AllocationError::PoolNotPositive);
    }
    if stakes.is_empty() {
        return Err(AllocationError::NoStakes);
    }
    if stakes.iter().any(|(_, stake)| *stake <= 0) {
        return Err(AllocationError::StakeNotPositive);
    }
    let total: i128 = stakes.iter().map(|(_, s)| i128::from(*s)).sum();
    let pool = i128::from(pool_fen);
    let mut parts: Vec<(String, i64, i128)> = stakes
        .iter()
        .map(|(id, stake)| {
            let exact = pool * i128::from(*stake);
            (
                id.clone(),
                i64::try_from(exact / total).unwrap_or(i64::MAX),
                exact % total,
            )
        })
        .collect();
    let given: i64 = parts.iter().map(|(_, fen, _)| *fen).sum();
    let mut left = pool_fen - given;
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| {
        parts[*b]
            .2
            .cmp(&parts[*a].2)
            .then_with(|| parts[*a].0.cmp(&parts[*b].0))
    });
    for index in order {
        if left == 0 {
            break;
        }
        parts[index].1 += 1;
        left -= 1;
    }
    Ok(parts.into_iter().map(|(id, fen, _)| (id, fen)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stakes(values: &[i64]) -> Vec<(String, i64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("h{i:03}"), *v))
            .collect()
    }

    #[test]
    fn parts_sum_to_the_pool_exactly() {
        let parts = allocate(100, &stakes(&[1, 1, 1])).unwrap();
        assert_eq!(parts.iter().map(|(_, f)| f).sum::<i64>(), 100);
        assert_eq!(
            parts,
            vec![
                ("h000".into(), 34),
                ("h001".into(), 33),
                ("h002".into(), 33)
            ],
            "ties go to the smaller id"
        );
    }

    #[test]
    fn largest_remainders_get_the_spare_fen() {
        // 1000 fen by 1:2:4: exact 142.86, 285.71, 571.43.
        let parts = allocate(1000, &stakes(&[1, 2, 4])).unwrap();
        assert_eq!(
            parts.iter().map(|(_, f)| *f).collect::<Vec<_>>(),
            vec![143, 286, 571]
        );
    }

    #[test]
    fn many_pools_and_stakes_always_add_up() {
        // A deterministic sweep standing in for a property test.
        let mut seed: u64 = 7;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            seed >> 33
        };
        for _ in 0..500 {
            let count = (next() % 40 + 1) as usize;
            let values: Vec<i64> = (0..count).map(|_| (next() % 10_000 + 1) as i64).collect();
            let pool = (next() % 100_000_000 + 1) as i64;
            let parts = allocate(pool, &stakes(&values)).unwrap();
            assert_eq!(parts.iter().map(|(_, f)| f).sum::<i64>(), pool);
            let total: i64 = values.iter().sum();
            for ((_, fen), stake) in parts.iter().zip(&values) {
                let exact = pool as f64 * *stake as f64 / total as f64;
                assert!(
                    (*fen as f64 - exact).abs() < 1.0,
                    "each part is within a fen of its exact share"
                );
            }
        }
    }

    #[test]
    fn bad_inputs_are_refused() {
        assert_eq!(
            allocate(0, &stakes(&[1])),
            Err(AllocationError::PoolNotPositive)
        );
        assert_eq!(allocate(10, &[]), Err(AllocationError::NoStakes));
        assert_eq!(
            allocate(10, &stakes(&[1, 0])),
            Err(AllocationError::StakeNotPositive)
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::allocate;

    proptest! {
        #[test]
        fn parts_always_sum_to_the_pool_and_stay_within_a_fen(
            pool in 1i64..10_000_000_000,
            values in proptest::collection::vec(1i64..1_000_000, 1..60),
        ) {
            let stakes: Vec<(String, i64)> = values.iter().enumerate().map(|(i, v)| (format!("h{i:03}"), *v)).collect();
            let parts = allocate(pool, &stakes).unwrap();
            prop_assert_eq!(parts.iter().map(|(_, f)| *f).sum::<i64>(), pool);
            let total: i128 = values.iter().map(|v| i128::from(*v)).sum();
            for ((_, fen), stake) in parts.iter().zip(&values) {
                let floor = i128::from(pool) * i128::from(*stake) / total;
                prop_assert!(i128::from(*fen) == floor || i128::from(*fen) == floor + 1);
            }
        }
    }
}
