//! Enumerations stored and sent as lower_snake_case strings, each with its Chinese term.

/// A string that names none of an enumeration's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not one of {expected}")]
pub struct UnknownTerm {
    pub value: String,
    pub expected: String,
}

impl crate::Chinese for UnknownTerm {
    fn chinese(&self) -> String {
        let expected = crate::bilingual::codes(self.expected.split(", "));
        format!("`{}` 不是可选值，应为以下之一：{expected}", self.value)
    }
}

/// Declares an enumeration whose wire and storage form is a fixed string and which knows its
/// Chinese term; the doc comment given is what the OpenAPI document shows.
macro_rules! term_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:tt / $zh:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            pub fn chinese(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::term::UnknownTerm;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $($wire => Ok($name::$variant),)+
                    _ => Err($crate::term::UnknownTerm {
                        value: value.to_owned(),
                        expected: [$($wire),+].join(", "),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
