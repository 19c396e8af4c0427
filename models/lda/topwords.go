package lda

import "sort"

// TopWords returns, for each topic, the ids of its n most probable words
// under E[θ_k] (equivalently, the largest β̃_kw), most probable first, ties
// broken by the smaller id.
func (m *Model) TopWords(n int) [][]int {
	n = max(0, min(n, m.V))
	out := make([][]int, m.K)
	ids := make([]int, m.V)
	for t := 0; t < m.K; t++ {
		row := m.TopicWord[t*m.V : (t+1)*m.V]
		for i := range ids {
			ids[i] = i
		}
		sort.SliceStable(ids, func(a, b int) bool { return row[ids[a]] > row[ids[b]] })
		out[t] = append([]int(nil), ids[:n]...)
	}
	return out
}

// TopicMeans returns E[θ_k] for each topic, K×V row-major.
func (m *Model) TopicMeans() []float64 {
	out := make([]float64, len(m.TopicWord))
	for t := 0; t < m.K; t++ {
		row := m.TopicWord[t*m.V : (t+1)*m.V]
		var s float64
		for _, b := range row {
			s += b
		}
		for w, b := range row {
			out[t*m.V+w] = b / s
		}
	}
	return out
}
