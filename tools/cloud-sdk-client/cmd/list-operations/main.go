// Command list-operations prints the operations of pulumi-cloud-sdk's generated client as JSON —
// operationId (the method name), HTTP method and path template — read from the SDK's source in the
// module cache, so Stackyard's OpenAPI document can be compared with Pulumi's names.
//
// Usage: list-operations <directory of github.com/pulumi/pulumi-cloud-sdk/go/apiclient>
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

type operation struct {
	OperationID string `json:"operationId"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	File        string `json:"file"`
}

// requestOf finds the SDK's createRequest…(ctx, "METHOD", "/path", …) call in a method body.
func requestOf(body *ast.BlockStmt) (string, string, bool) {
	var method, path string
	found := false
	ast.Inspect(body, func(node ast.Node) bool {
		call, ok := node.(*ast.CallExpr)
		if found || !ok || len(call.Args) < 3 {
			return !found
		}
		selector, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !strings.HasPrefix(selector.Sel.Name, "createRequest") {
			return true
		}
		m, okM := call.Args[1].(*ast.BasicLit)
		p, okP := call.Args[2].(*ast.BasicLit)
		if !okM || !okP || m.Kind != token.STRING || p.Kind != token.STRING {
			return true
		}
		method, _ = strconv.Unquote(m.Value)
		path, _ = strconv.Unquote(p.Value)
		found = true
		return false
	})
	return method, path, found
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: list-operations <apiclient directory>")
		os.Exit(2)
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.go"))
	if err != nil || len(files) == 0 {
		fmt.Fprintf(os.Stderr, "no Go files in %s\n", os.Args[1])
		os.Exit(1)
	}
	fset := token.NewFileSet()
	operations := []operation{}
	for _, file := range files {
		parsed, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, decl := range parsed.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Body == nil || !fn.Name.IsExported() {
				continue
			}
			if method, path, found := requestOf(fn.Body); found {
				operations = append(operations, operation{OperationID: fn.Name.Name, Method: method, Path: path, File: filepath.Base(file)})
			}
		}
	}
	sort.Slice(operations, func(i, j int) bool { return operations[i].OperationID < operations[j].OperationID })
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", " ")
	if err := encoder.Encode(operations); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
