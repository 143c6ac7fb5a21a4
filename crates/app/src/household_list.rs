//! The masked household list, built from the list items this process rendered
//! where they are of the household's current version, and rendering the others.
//!
//! A page asks the database only for its households' keys and versions. Every change to what
//! an item shows moves the household's version on (see `household_views`), so an item kept for
//! a version is that version's item for as long as the process runs; nothing needs to be
//! invalidated, and another process simply renders its own.

use std::collections::HashMap;
use std::sync::Arc;

use fupin_persistence::households::{self, ListedHousehold};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::DbPool;

use super::context::Disclosure;
use super::kept_renders::KeptRenders;
use crate::error::AppError;
use crate::models::households::Household;
use crate::run as db;

/// The JSON body of a `HouseholdPage` of these households, in this order.
pub async fn render_page(
    pool: &DbPool,
    keys: &PersonalDataKeys,
    items: &KeptRenders,
    listed: Vec<ListedHousehold>,
    next_cursor: Option<String>,
) -> Result<String, AppError> {
    let kept = items.at_versions(listed.iter().map(|h| (h.id.as_str(), h.version)));
    let missing: Vec<String> = listed
        .iter()
        .zip(&kept)
        .filter(|(_, item)| item.is_none())
        .map(|(household, _)| household.id.clone())
        .collect();
    let rendered = if missing.is_empty() {
        HashMap::new()
    } else {
        render_items(pool, keys, items, missing).await?
    };
    // A household that changed after the page was read shows as it is now. One gone since
    // cannot be shown: households are never deleted by this program, only by hand.
    let page: Vec<Arc<str>> = listed
        .iter()
        .zip(kept)
        .filter_map(|(household, item)| item.or_else(|| rendered.get(&household.id).cloned()))
        .collect();
    page_body(&page, next_cursor.as_deref())
}

/// The list items of these households as they are now, by household id, kept for later pages.
async fn render_items(
    pool: &DbPool,
    keys: &PersonalDataKeys,
    items: &KeptRenders,
    ids: Vec<String>,
) -> Result<HashMap<String, Arc<str>>, AppError> {
    let rows = db::read(pool, move |conn| Ok(households::find_many(conn, &ids)?)).await?;
    let mut rendered = HashMap::with_capacity(rows.len());
    for row in rows {
        let (household_id, version) = (row.id.clone(), row.version);
        let household = Household::from_row(row, keys, Disclosure::Masked)?;
        let json: Arc<str> = serde_json::to_string(&household)
            .map_err(|_| AppError::internal())?
            .into();
        items.keep(&household_id, version, Arc::clone(&json));
        rendered.insert(household_id, json);
    }
    Ok(rendered)
}

/// `{"items":[…],"next_cursor":…}` around items already rendered to JSON: what serialising a
/// `HouseholdPage` of them gives, byte for byte (see the test).
fn page_body(items: &[Arc<str>], next_cursor: Option<&str>) -> Result<String, AppError> {
    let cursor = serde_json::to_string(&next_cursor).map_err(|_| AppError::internal())?;
    let length = items.iter().map(|item| item.len() + 1).sum::<usize>() + cursor.len();
    let mut body = String::with_capacity(length + 32);
    body.push_str(r#"{"items":["#);
    for (position, item) in items.iter().enumerate() {
        if position > 0 {
            body.push(',');
        }
        body.push_str(item);
    }
    body.push_str(r#"],"next_cursor":"#);
    body.push_str(&cursor);
    body.push('}');
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::household_views::sample;
    use crate::models::households::HouseholdPage;

    fn sample_numbered(number: &str) -> Household {
        let mut household = sample::household().expect("the sample household renders");
        household.household_number = number.to_owned();
        household
    }

    #[test]
    fn a_page_of_rendered_items_is_the_page_serialised_whole() {
        for (households, cursor) in [
            (vec![], None),
            (vec![sample_numbered("1")], None),
            (
                vec![
                    sample_numbered("1"),
                    sample_numbered("2"),
                    sample_numbered("3 \"quoted\""),
                ],
                Some("abc\"def".to_owned()),
            ),
        ] {
            let items: Vec<Arc<str>> = households
                .iter()
                .map(|h| serde_json::to_string(h).unwrap().into())
                .collect();
            let whole = serde_json::to_string(&HouseholdPage {
                items: households,
                next_cursor: cursor.clone(),
            })
            .unwrap();
            assert_eq!(page_body(&items, cursor.as_deref()).unwrap(), whole);
        }
    }
}
