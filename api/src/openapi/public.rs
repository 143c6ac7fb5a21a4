//! Operations open to anyone say so as OpenAPI spells "no security": an empty list. utoipa's
//! `security(())` writes `[{}]` (one requirement of nothing), which means the same, but which
//! generated clients read as "needs a token" (openapi-python-client then demands one to log in).

use utoipa::openapi::OpenApi as Document;

pub fn spell_public_operations(doc: &mut Document) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            let public = operation
                .security
                .as_ref()
                .is_some_and(|s| !s.is_empty() && s.iter().all(|r| r == &Default::default()));
            if public {
                operation.security = Some(Vec::new());
            }
        }
    }
}
