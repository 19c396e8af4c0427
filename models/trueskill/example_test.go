package trueskill_test

import (
	"fmt"
	"strings"

	"github.com/govi/govi/models/trueskill"
)

// Example rates three players from a handful of games with expectation
// propagation and forecasts a game between the best and the worst.
func Example() {
	games := `winner,loser,draw
ann,bob,0
ann,cat,0
bob,cat,1
ann,bob,0
cat,bob,0
`
	ds, err := trueskill.ReadCSV(strings.NewReader(games), trueskill.CSVOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := trueskill.Config{Sigma0: 1, Beta: 1, Margin: 0.3}
	ep, err := trueskill.EP(ds, c, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range ep.Ratings() {
		fmt.Printf("%s %.2f ± %.2f\n", r.Name, r.Mean, r.Std)
	}
	f, err := ep.Predict(c, 0, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ann vs bob: win %.2f, draw %.2f, loss %.2f\n", f.Win, f.Draw, f.Loss)
	// Output:
	// ann 0.91 ± 0.80
	// cat -0.16 ± 0.74
	// bob -0.75 ± 0.72
	// ann vs bob: win 0.78, draw 0.09, loss 0.13
}
