use sqlx::SqlitePool;

use crate::StoreError;

/// Counts the rows of `table` per status, as one entry for each of `all` (zeros included).
pub(super) async fn count_by_status<T: Copy + PartialEq>(
    pool: &SqlitePool,
    sql: &'static str,
    table: &'static str,
    all: &[T],
    parse: fn(&str) -> Option<T>,
    operation: &'static str,
) -> Result<Vec<(T, u64)>, StoreError> {
    let counted: Vec<(String, i64)> = sqlx::query_as(sql)
        .fetch_all(pool)
        .await
        .map_err(StoreError::query(operation))?;
    let mut counts: Vec<(T, u64)> = all.iter().map(|&status| (status, 0)).collect();
    for (text, count) in counted {
        let corrupt = |reason: String| StoreError::Corrupt {
            table,
            column: "status".to_owned(),
            reason,
        };
        let status = parse(&text).ok_or_else(|| corrupt(format!("unknown value {text:?}")))?;
        let count = u64::try_from(count).map_err(|error| corrupt(error.to_string()))?;
        if let Some(entry) = counts.iter_mut().find(|(known, _)| *known == status) {
            entry.1 = count;
        }
    }
    Ok(counts)
}
