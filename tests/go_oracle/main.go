// The Go side of tests/test_go_differential.py: Go's strconv.ParseFloat(s, 32), base64 and gzip as
// Kata 4.1 calls them (utils.go: setFloat32WithCheck, addHypervisorInitdataOverrides, the agent policy).
// Reads hex-encoded inputs, one per line; writes one answer per line.

package main

import (
	"bufio"
	"compress/gzip"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

func main() {
	mode := os.Args[1]
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		line := sc.Text()
		switch mode {
		case "f32":
			s, _ := hex.DecodeString(line)
			f, err := strconv.ParseFloat(string(s), 32)
			if err != nil {
				fmt.Fprintf(w, "ERR %s\n", err.(*strconv.NumError).Err)
			} else if math.IsNaN(f) {
				fmt.Fprintf(w, "NaN\n")
			} else {
				fmt.Fprintf(w, "%08x\n", math.Float32bits(float32(f)))
			}
		case "gz":
			s, _ := hex.DecodeString(line)
			r := base64.NewDecoder(base64.StdEncoding, strings.NewReader(string(s)))
			g, err := gzip.NewReader(r)
			if err != nil {
				fmt.Fprintf(w, "ERR\n")
				continue
			}
			b, err := io.ReadAll(g)
			if err != nil {
				fmt.Fprintf(w, "ERR\n")
				continue
			}
			fmt.Fprintf(w, "%s\n", hex.EncodeToString(b))
		case "b64":
			s, _ := hex.DecodeString(line)
			b, err := base64.StdEncoding.DecodeString(string(s))
			if err != nil {
				fmt.Fprintf(w, "ERR\n")
			} else {
				fmt.Fprintf(w, "%s\n", hex.EncodeToString(b))
			}
		}
	}
}
