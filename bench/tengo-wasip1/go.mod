module llmspell/tengo-wasip1-bench

go 1.24

require github.com/d5/tengo/v2 v2.17.0
