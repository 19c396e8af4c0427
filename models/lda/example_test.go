package lda_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/govi/govi/models/lda"
)

func ExampleFit() {
	vocab := []string{"cat", "dog", "fish", "bank", "stock", "money"}
	corpus := `3 0:4 1:3 2:2
2 0:2 1:5
2 3:4 4:3
3 3:2 4:2 5:5
3 1:2 2:3 0:1
3 3:1 4:2 5:4
`
	c, err := lda.ReadCorpus(strings.NewReader(corpus), "example", len(vocab))
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := lda.Fit(context.Background(), c, lda.Config{Topics: 2, Iterations: 20})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ids := range m.TopWords(3) {
		var ws []string
		for _, id := range ids {
			ws = append(ws, vocab[id])
		}
		fmt.Println(strings.Join(ws, " "))
	}
	// Unordered output:
	// dog cat fish
	// money stock bank
}
