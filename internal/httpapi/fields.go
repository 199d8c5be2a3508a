package httpapi

import "fmt"

func fieldIndex(list string, i int, field string) string {
	return fmt.Sprintf("%s[%d].%s", list, i, field)
}
