#pragma once
// The character classes HF tokenizers test with Rust's char methods and
// regex classes, answered from utf8proc's Unicode tables.
#include <string>

namespace anvil::tokenizers {

bool is_whitespace(char32_t cp);   // Unicode White_Space (Rust char::is_whitespace, regex \s)
bool is_numeric(char32_t cp);      // Nd, Nl, No (Rust char::is_numeric)
bool is_punctuation(char32_t cp);  // ASCII punctuation or a P* category (HF's is_punc)
bool is_word_char(char32_t cp);    // Rust regex \w: letters, marks, Nd, Pc, joiners

// Rust's char::to_lowercase, appended as UTF-8 (U+0130 lowercases to two code points).
void append_lowercase(std::string& out, char32_t cp);

// The body of a character class matching White_Space, for PCRE2 patterns.
extern const char kWhiteSpaceClassBody[];

}  // namespace anvil::tokenizers
