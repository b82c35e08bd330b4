import Testing
@testable import WorkflowExpressions

/// Sprig's functions as Argo's `sprig.*` has them, with the values Go's sprig gives: a table
/// taken from sprig's documentation and its tests (and, where they are silent, from reading its
/// source), one `EXPRESSION ⟶ JSON` row each. Floats are written with a `.0` where Go returns a
/// float64.
@Suite struct SprigTableTests {
    static let table = #"""
sprig.abbrev(5, 'hello world') ⟶ "he..."
sprig.abbrev(6, 'abcdefg') ⟶ "abc..."
sprig.abbrev(7, 'abcdefg') ⟶ "abcdefg"
sprig.abbrev(3, 'abcdefg') ⟶ "abcdefg"
sprig.abbrevboth(5, 10, '1234 5678 9123') ⟶ "...5678..."
sprig.abbrevboth(5, 10, 'abcdefghijklmno') ⟶ "...fghi..."
sprig.abbrevboth(12, 10, 'abcdefghijklmno') ⟶ "...ijklmno"
sprig.abbrevboth(5, 6, 'abcdefghij') ⟶ "abcdefghij"
sprig.untitle('First Try') ⟶ "first try"
sprig.untitle('Hello World') ⟶ "hello world"
sprig.untitle('This Is A.Test') ⟶ "this is a.Test"
sprig.initials('First Try') ⟶ "FT"
sprig.initials('John Doe.Ray') ⟶ "JD"
sprig.initials('hello world') ⟶ "hw"
sprig.swapcase('This Is A.Test') ⟶ "tHIS iS a.tEST"
sprig.swapcase('hello world') ⟶ "HELLO WORLD"
sprig.swapcase('HELLO') ⟶ "hello"
sprig.snakecase('FirstName') ⟶ "first_name"
sprig.snakecase('HTTPServer') ⟶ "http_server"
sprig.snakecase('NoHTTPS') ⟶ "no_https"
sprig.snakecase('http2xx') ⟶ "http_2xx"
sprig.camelcase('http_server') ⟶ "HttpServer"
sprig.camelcase('_camel_case') ⟶ "_CamelCase"
sprig.camelcase('GOLANG_IS_GREAT') ⟶ "GolangIsGreat"
sprig.camelcase('_complex__case_') ⟶ "_Complex_Case_"
sprig.kebabcase('FirstName') ⟶ "first-name"
sprig.kebabcase('HTTPServer') ⟶ "http-server"
sprig.kebabcase('GO_PATH') ⟶ "go-path"
sprig.kebabcase('HTTP20xOK') ⟶ "http-20x-ok"
sprig.wrap(5, 'Hello World') ⟶ "Hello\nWorld"
sprig.wrap(10, 'Bob Manuel Bob Manuel') ⟶ "Bob Manuel\nBob Manuel"
sprig.wrap(10, 'BobManuelBob Bob') ⟶ "BobManuelBob\nBob"
sprig.wrapWith(5, '\t', 'Hello World') ⟶ "Hello\tWorld"
sprig.wrapWith(10, '<br>', 'BobManuelBob Bob') ⟶ "BobManuelB<br>ob Bob"
sprig.indent(4, 'a\nb\nc') ⟶ "    a\n    b\n    c"
sprig.indent(2, 'a\n') ⟶ "  a\n  "
sprig.nindent(4, 'a\nb\nc') ⟶ "\n    a\n    b\n    c"
sprig.nindent(2, '') ⟶ "\n  "
sprig.plural('1 char', 'chars', 3) ⟶ "chars"
sprig.plural('cheese', '%d chars', 1) ⟶ "cheese"
sprig.plural('one anchovy', 'many anchovies', 0) ⟶ "many anchovies"
sprig.plural('cheese', '%d chars', 2) ⟶ "%d chars"
sprig.split('$', 'foo$bar$baz') ⟶ {"_0":"foo","_1":"bar","_2":"baz"}
sprig.split(',', '') ⟶ {"_0":""}
sprig.split('', 'abc') ⟶ {"_0":"a","_1":"b","_2":"c"}
sprig.splitn('$', 2, 'foo$bar$baz') ⟶ {"_0":"foo","_1":"bar$baz"}
sprig.splitn('$', 0, 'foo$bar') ⟶ {}
sprig.splitn('$', -1, 'foo$bar$baz') ⟶ {"_0":"foo","_1":"bar","_2":"baz"}
sprig.toStrings([1, 2, 3]) ⟶ ["1","2","3"]
sprig.toStrings([1, nil, 2]) ⟶ ["1","2"]
sprig.toStrings('abc') ⟶ ["abc"]
sprig.toStrings(nil) ⟶ []
sprig.seq(5) ⟶ "1 2 3 4 5"
sprig.seq(-5) ⟶ "1 0 -1 -2 -3 -4 -5"
sprig.seq(0) ⟶ "1 0"
sprig.seq() ⟶ ""
sprig.seq(0, 4) ⟶ "0 1 2 3 4"
sprig.seq(0, -4) ⟶ "0 -1 -2 -3 -4"
sprig.seq(2, -2) ⟶ "2 1 0 -1 -2"
sprig.seq(0, 1, 3) ⟶ "0 1 2 3"
sprig.seq(0, 3, 10) ⟶ "0 3 6 9"
sprig.seq(0, 2, 10) ⟶ "0 2 4 6 8 10"
sprig.seq(0, -2, -5) ⟶ "0 -2 -4"
sprig.seq(3, 3, 2) ⟶ ""
sprig.seq(3, -3, 2) ⟶ "3"
sprig.seq(0, 1, 2, 3) ⟶ ""
sprig.toDecimal('777') ⟶ 511
sprig.toDecimal(777) ⟶ 511
sprig.toDecimal(770) ⟶ 504
sprig.toDecimal(755) ⟶ 493
sprig.toDecimal('0777') ⟶ 511
sprig.toDecimal('8') ⟶ 0
sprig.toDecimal('0o777') ⟶ 0
sprig.untilStep(0, 5, 1) ⟶ [0,1,2,3,4]
sprig.untilStep(3, 6, 2) ⟶ [3,5]
sprig.untilStep(0, -10, -2) ⟶ [0,-2,-4,-6,-8]
sprig.untilStep(3, 0, 1) ⟶ []
sprig.untilStep(3, 99, 0) ⟶ []
sprig.untilStep(3, 99, -1) ⟶ []
sprig.add1f(3.4) ⟶ 4.4
sprig.add1f(3) ⟶ 4.0
sprig.addf(1.5, 2, 2) ⟶ 5.5
sprig.addf(1.5, 2.2, 3) ⟶ 6.7
sprig.addf(0.1, 0.2) ⟶ 0.3
sprig.addf() ⟶ 0.0
sprig.subf(7.5, 2, 3) ⟶ 2.5
sprig.subf(4.5, 1, 3) ⟶ 0.5
sprig.divf(10, 2, 4) ⟶ 1.25
sprig.divf(5, 4, 2) ⟶ 0.625
sprig.divf(1, 3) ⟶ 0.3333333333333333
sprig.mulf(1.5, 2, 2) ⟶ 6.0
sprig.mulf('2.4', 10, '4', 1.2) ⟶ 115.2
sprig.biggest(1, 2, 3, 345, 5, 6, 7) ⟶ 345
sprig.biggest(345) ⟶ 345
sprig.maxf(1, 2, 3, 345.7, 5, 6, 7) ⟶ 345.7
sprig.maxf(1, 2.5, 3) ⟶ 3.0
sprig.maxf('3', 2) ⟶ 3.0
sprig.minf(1.4, 2, 3, 345.6, 5, 6, 7) ⟶ 1.4
sprig.minf(1.5, 2, 3) ⟶ 1.5
sprig.minf(345) ⟶ 345.0
sprig.ceil(123) ⟶ 123.0
sprig.ceil('123') ⟶ 123.0
sprig.ceil(123.01) ⟶ 124.0
sprig.ceil('123.01') ⟶ 124.0
sprig.floor(123.9999) ⟶ 123.0
sprig.floor('123.9999') ⟶ 123.0
sprig.floor(-1.5) ⟶ -2.0
sprig.round(123.5555, 3) ⟶ 123.556
sprig.round('123.55555', 3) ⟶ 123.556
sprig.round(123.500001, 0) ⟶ 124.0
sprig.round(123.49999999, 0) ⟶ 123.0
sprig.round(123.2329999, 2, 0.3) ⟶ 123.23
sprig.round(123.233, 2, 0.3) ⟶ 123.24
sprig.round(2.5, 0) ⟶ 3.0
sprig.round(-2.4, 0) ⟶ -3.0
sprig.round(1.005, 2) ⟶ 1.0
sprig.sortAlpha(['c', 'a', 'b']) ⟶ ["a","b","c"]
sprig.sortAlpha([2, 1, 4, 3]) ⟶ ["1","2","3","4"]
sprig.sortAlpha([10, 9]) ⟶ ["10","9"]
sprig.sortAlpha('foo') ⟶ ["foo"]
sprig.compact([1, 0, '', 'hello']) ⟶ [1,"hello"]
sprig.compact(['', '']) ⟶ []
sprig.compact([]) ⟶ []
sprig.compact([false, nil, {}, [], 'x']) ⟶ ["x"]
sprig.tuple(1, 'a', 'foo') ⟶ [1,"a","foo"]
sprig.append([1, 2, 3, 4], 5) ⟶ [1,2,3,4,5]
sprig.push([1, 2, 3], 4) ⟶ [1,2,3,4]
sprig.append(sprig.regexSplit('/', 'foo/bar/baz', -1), 'qux') ⟶ ["foo","bar","baz","qux"]
sprig.prepend([1, 2, 3, 4], 0) ⟶ [0,1,2,3,4]
sprig.prepend(sprig.regexSplit('/', 'foo/bar/baz', -1), 'qux') ⟶ ["qux","foo","bar","baz"]
sprig.rest([1, 2, 3, 4, 5]) ⟶ [2,3,4,5]
sprig.rest(sprig.regexSplit('/', 'foo/bar/baz', -1)) ⟶ ["bar","baz"]
sprig.rest([]) ⟶ null
sprig.initial([1, 2, 3, 4, 5]) ⟶ [1,2,3,4]
sprig.initial(sprig.regexSplit('/', 'foo/bar/baz', -1)) ⟶ ["foo","bar"]
sprig.initial([]) ⟶ null
sprig.reverse([1, 2, 3, 4]) ⟶ [4,3,2,1]
sprig.reverse([1]) ⟶ [1]
sprig.reverse([]) ⟶ []
sprig.uniq([1, 1, 1, 1, 2, 2, 2, 2]) ⟶ [1,2]
sprig.uniq(['foo', 1, 1, 1, 1, 'foo', 'foo']) ⟶ ["foo",1]
sprig.uniq([]) ⟶ []
sprig.uniq([1, 1.0]) ⟶ [1,1.0]
sprig.without([1, 2, 3, 4], 1) ⟶ [2,3,4]
sprig.without([1, 2, 3, 4, 5], 1, 3, 5) ⟶ [2,4]
sprig.without([1, 1, 1, 1, 2], 1) ⟶ [2]
sprig.without([1, 2, 3]) ⟶ [1,2,3]
sprig.slice([1, 2, 3]) ⟶ [1,2,3]
sprig.slice([1, 2, 3], 0, 1) ⟶ [1]
sprig.slice([1, 2, 3], 1) ⟶ [2,3]
sprig.slice([1, 2, 3, 4, 5], 1, 3) ⟶ [2,3]
sprig.slice([], 0) ⟶ null
sprig.concat([1, 2, 3]) ⟶ [1,2,3]
sprig.concat([1, 2, 3], [4, 5], []) ⟶ [1,2,3,4,5]
sprig.concat([1, 2, 3], [4, 5], [nil]) ⟶ [1,2,3,4,5,null]
sprig.concat([1, 2, 3], [4, 5], [['foo']]) ⟶ [1,2,3,4,5,["foo"]]
sprig.concat() ⟶ null
sprig.chunk(3, [1, 2, 3, 4, 5, 6, 7, 8]) ⟶ [[1,2,3],[4,5,6],[7,8]]
sprig.chunk(2, [1, 2, 3, 4]) ⟶ [[1,2],[3,4]]
sprig.chunk(2, []) ⟶ []
sprig.mustFirst([1, 2, 3]) ⟶ 1
sprig.mustLast([1, 2, 3]) ⟶ 3
sprig.mustFirst([]) ⟶ null
sprig.all(1) ⟶ true
sprig.all('', 0, nil, 2) ⟶ false
sprig.all('', 2, 3, 4, 5) ⟶ false
sprig.all() ⟶ true
sprig.any(1) ⟶ true
sprig.any('', 0, nil, 2) ⟶ true
sprig.any('', 0, 0, 0, 0) ⟶ false
sprig.any() ⟶ false
sprig.toPrettyJson({'bool': true, 'string': 'test', 'number': 42}) ⟶ "{\n  \"bool\": true,\n  \"number\": 42,\n  \"string\": \"test\"\n}"
sprig.toPrettyJson([1, 2]) ⟶ "[\n  1,\n  2\n]"
sprig.toPrettyJson('<a>') ⟶ "\"\\u003ca\\u003e\""
sprig.deepCopy({'a': 1, 'b': 2}) ⟶ {"a":1,"b":2}
sprig.deepCopy([1, [2, 3]]) ⟶ [1,[2,3]]
sprig.deepCopy('x') ⟶ "x"
sprig.typeOf('hello') ⟶ "string"
sprig.typeOf(1) ⟶ "int"
sprig.typeOf(1.5) ⟶ "float64"
sprig.typeOf([1]) ⟶ "[]interface {}"
sprig.typeOf({'a': 1}) ⟶ "map[string]interface {}"
sprig.typeOf(nil) ⟶ "<nil>"
sprig.typeIs('string', 'hello') ⟶ true
sprig.typeIs('[]interface {}', [1]) ⟶ true
sprig.typeIsLike('string', 'foo') ⟶ true
sprig.typeIsLike('int', 'foo') ⟶ false
sprig.kindOf('hello') ⟶ "string"
sprig.kindOf(['hello']) ⟶ "slice"
sprig.kindOf({'a': 1}) ⟶ "map"
sprig.kindOf(nil) ⟶ "invalid"
sprig.kindIs('int', 123) ⟶ true
sprig.kindIs('ptr', 'hello') ⟶ false
sprig.kindIs('float64', 1.0) ⟶ true
sprig.deepEqual([1, 2, 3], [1, 2, 3]) ⟶ true
sprig.deepEqual({'a': [1]}, {'a': [1]}) ⟶ true
sprig.deepEqual(1, 1.0) ⟶ false
sprig.base('foo/bar') ⟶ "bar"
sprig.base('foo/bar/baz') ⟶ "baz"
sprig.base('foo/bar/') ⟶ "bar"
sprig.base('') ⟶ "."
sprig.dir('foo/bar/baz') ⟶ "foo/bar"
sprig.dir('foo') ⟶ "."
sprig.dir('/foo') ⟶ "/"
sprig.dir('') ⟶ "."
sprig.clean('/foo/../foo/../bar') ⟶ "/bar"
sprig.clean('foo/bar/../baz') ⟶ "foo/baz"
sprig.clean('a//b/./c/..') ⟶ "a/b"
sprig.clean('') ⟶ "."
sprig.ext('/foo/bar/baz.txt') ⟶ ".txt"
sprig.ext('foo.bar') ⟶ ".bar"
sprig.ext('archive.tar.gz') ⟶ ".gz"
sprig.ext('a.b/c') ⟶ ""
sprig.isAbs('/foo') ⟶ true
sprig.isAbs('foo') ⟶ false
sprig.b32enc('coffee') ⟶ "MNXWMZTFMU======"
sprig.b32dec('MNXWMZTFMU======') ⟶ "coffee"
sprig.b32enc('') ⟶ ""
sprig.b32dec('!!!') ⟶ "illegal base32 data at input byte 0"
sprig.get({'one': 1}, 'one') ⟶ 1
sprig.get({'one': 1, 'two': '2'}, 'two') ⟶ "2"
sprig.get({}, 'two') ⟶ ""
sprig.set({'one': 1, 'two': 222222}, 'two', 2) ⟶ {"one":1,"two":2}
sprig.set({'one': 1}, 'three', 3) ⟶ {"one":1,"three":3}
sprig.unset({'one': 1, 'two': 222222}, 'two') ⟶ {"one":1}
sprig.unset({'one': 1}, 'nope') ⟶ {"one":1}
sprig.hasKey({'one': 1, 'two': 222222}, 'one') ⟶ true
sprig.hasKey({'one': 1}, 'two') ⟶ false
sprig.hasKey({'a': nil}, 'a') ⟶ true
sprig.pluck('two', {'one': 1, 'two': 222222}, {'one': 1, 'two': 33333}, {'one': 1}, {'one': 1, 'two': 4444}) ⟶ [222222,33333,4444]
sprig.pluck('x', {'one': 1}) ⟶ []
sprig.sortAlpha(sprig.keys({'foo': 1, 'bar': 2})) ⟶ ["bar","foo"]
sprig.keys({}) ⟶ []
sprig.sortAlpha(sprig.uniq(sprig.keys({'foo': 1}, {'bar': 2}, {'bar': 3}))) ⟶ ["bar","foo"]
sprig.sortAlpha(sprig.values({'a': 1, 'b': 2})) ⟶ ["1","2"]
sprig.sortAlpha(sprig.values({'a': 'first', 'b': 2})) ⟶ ["2","first"]
sprig.pick({'one': 1, 'two': 222222}, 'two') ⟶ {"two":222222}
sprig.pick({'one': 1, 'two': 222222}, 'one', 'two', 'three') ⟶ {"one":1,"two":222222}
sprig.pick({}, 'two') ⟶ {}
sprig.omit({'one': 1, 'two': 222222}, 'one') ⟶ {"two":222222}
sprig.omit({'one': 1, 'two': 222222}, 'one', 'two') ⟶ {}
sprig.omit({'one': 1, 'two': 222222}, 'two', 'three') ⟶ {"one":1}
sprig.dig('a', 'b', 'c', '', {'a': {'b': {'c': 1}}}) ⟶ 1
sprig.dig('a', 'b', 'z', '2', {'a': {'b': {'c': 1}}}) ⟶ "2"
sprig.dig('a', '', {'a': 1}) ⟶ 1
sprig.dig('z', '2', {'a': 1}) ⟶ "2"
sprig.dig('user', 'role', 'humanName', 'guest', {'user': {'role': {'humanName': 'curator'}}}) ⟶ "curator"
sprig.dig('user', 'role', 'humanName', 'guest', {}) ⟶ "guest"
sprig.merge({'a': 'one', 'c': 3, 'd': {'f': 5}, 'g': [8, 9], 'i': 'eye', 'k': {'l': true}}, {'a': 1, 'b': 2, 'd': {'e': 'four'}, 'g': [6, 7], 'i': 'aye', 'j': 'jay', 'k': {'l': false}}, {'h': 10, 'i': 'i', 'j': 'j'}) ⟶ {"a":"one","b":2,"c":3,"d":{"e":"four","f":5},"g":[8,9],"h":10,"i":"eye","j":"jay","k":{"l":true}}
sprig.merge({'a': ''}, {'a': 'x'}) ⟶ {"a":"x"}
sprig.merge({'a': false, 'b': 0}, {'a': true, 'b': 5}) ⟶ {"a":true,"b":5}
sprig.mergeOverwrite({'a': 'one', 'c': 3, 'd': {'f': 5}, 'g': [8, 9], 'i': 'eye', 'k': {'l': true}}, {'a': 1, 'b': 2, 'd': {'e': 'four'}, 'g': [6, 7], 'i': 'aye', 'j': 'jay', 'k': {'l': false}}, {'h': 10, 'i': 'i', 'j': 'j'}) ⟶ {"a":1,"b":2,"c":3,"d":{"e":"four","f":5},"g":[6,7],"h":10,"i":"i","j":"j","k":{"l":false}}
sprig.mergeOverwrite({}, {'bool': true, 'int': 2, 'str': 'v1', 'str2': 'v1'}, {'bool': false, 'int': 0, 'str': 'v2', 'str2': ''}) ⟶ {"bool":false,"int":0,"str":"v2","str2":""}
sprig.semverCompare('1.2.3', '1.2.3') ⟶ true
sprig.semverCompare('^1.2.0', '1.2.3') ⟶ true
sprig.semverCompare('^1.2.0', '2.2.3') ⟶ false
sprig.semverCompare('~1.2.3', '1.3.0') ⟶ false
sprig.semverCompare('>1.2.3', '1.2.4-alpha') ⟶ false
sprig.urlParse('proto://auth@host:80/path?query#fragment') ⟶ {"fragment":"fragment","host":"host:80","hostname":"host","opaque":"","path":"/path","query":"query","scheme":"proto","userinfo":"auth"}
sprig.urlParse('something') ⟶ {"fragment":"","host":"","hostname":"","opaque":"","path":"something","query":"","scheme":"","userinfo":""}
sprig.urlParse('proto://host:80/pa%20th?key=val%20ue') ⟶ {"fragment":"","host":"host:80","hostname":"host","opaque":"","path":"/pa th","query":"key=val%20ue","scheme":"proto","userinfo":""}
sprig.urlParse('http://admin:secret@server.com:8080/api?list=false#anchor') ⟶ {"fragment":"anchor","host":"server.com:8080","hostname":"server.com","opaque":"","path":"/api","query":"list=false","scheme":"http","userinfo":"admin:secret"}
sprig.urlJoin({'fragment': 'fragment', 'host': 'host:80', 'path': '/path', 'query': 'query', 'scheme': 'proto'}) ⟶ "proto://host:80/path?query#fragment"
sprig.urlJoin({'fragment': 'fragment', 'host': 'host:80', 'path': '/path', 'scheme': 'proto', 'userinfo': 'ASDJKJSD'}) ⟶ "proto://ASDJKJSD@host:80/path#fragment"
sprig.urlJoin({'host': 'host:80', 'path': '/pa th', 'query': 'key=val%20ue', 'scheme': 'proto'}) ⟶ "proto://host:80/pa%20th?key=val%20ue"
sprig.urlJoin({'host': 'host:80', 'path': '/path', 'scheme': 'proto', 'userinfo': 'user:passwor%20d'}) ⟶ "proto://user:passwor%20d@host:80/path"
sprig.htmlDate(sprig.toDate('2006-01-02', '2017-12-31')) ⟶ "2017-12-31"
sprig.htmlDateInZone(1560458379, 'UTC') ⟶ "2019-06-13"
sprig.htmlDateInZone(1560458379, 'Asia/Tokyo') ⟶ "2019-06-14"
sprig.durationRound('2h5s') ⟶ "2h"
sprig.durationRound('24h5s') ⟶ "1d"
sprig.durationRound('2400h5s') ⟶ "3mo"
sprig.durationRound('2h10m5s') ⟶ "2h"
sprig.durationRound('24h') ⟶ "24h"
sprig.durationRound('8760h') ⟶ "12mo"
sprig.durationRound('1s') ⟶ "0s"
sprig.durationRound('-2h5s') ⟶ "2h"
sprig.durationRound(3600) ⟶ "0s"
sprig.mod(7, 3) ⟶ 1
sprig.mod(-7, 3) ⟶ -1
sprig.mod('7', 2) ⟶ 1
sprig.div(-7, 2) ⟶ -3
sprig.min(1, 2, 3, 345, 5, 6, 7) ⟶ 1
sprig.min(345) ⟶ 345
sprig.max(1, 2, 3) ⟶ 3
sprig.max(345) ⟶ 345
sprig.min(1.9, 2) ⟶ 1
sprig.max('10', 9.9) ⟶ 10
sprig.atoi('42') ⟶ 42
sprig.atoi('+7') ⟶ 7
sprig.atoi('3.9') ⟶ 0
sprig.atoi(' 42') ⟶ 0
sprig.atoi('0x1A') ⟶ 0
sprig.int('102') ⟶ 102
sprig.int('frankie') ⟶ 0
sprig.int(102.1234) ⟶ 102
sprig.int(true) ⟶ 1
sprig.int('3.9') ⟶ 0
sprig.int('0x1A') ⟶ 26
sprig.int('010') ⟶ 8
sprig.int('08') ⟶ 0
sprig.int(' 5') ⟶ 0
sprig.int64('1_000') ⟶ 1000
sprig.float64('102') ⟶ 102.0
sprig.float64('frankie') ⟶ 0.0
sprig.float64(true) ⟶ 1.0
sprig.float64(102.1234) ⟶ 102.1234
sprig.float64('3.9') ⟶ 3.9
sprig.float64('1e3') ⟶ 1000.0
sprig.float64(' 1.5') ⟶ 0.0
sprig.toString(1) ⟶ "1"
sprig.toString(1.5) ⟶ "1.5"
sprig.toString(3.0) ⟶ "3"
sprig.toString(123456.0) ⟶ "123456"
sprig.toString(1234567.0) ⟶ "1.234567e+06"
sprig.toString(0.00001) ⟶ "1e-05"
sprig.toString(0.1 + 0.2) ⟶ "0.30000000000000004"
sprig.toString(true) ⟶ "true"
sprig.toString(nil) ⟶ "<nil>"
sprig.toString([1, 'a']) ⟶ "[1 a]"
sprig.toString({'b': 2, 'a': 1}) ⟶ "map[a:1 b:2]"
"""#

    static var rows: [(String, String)] {
        table.split(separator: "\n").map { line in
            let parts = line.split(separator: " ⟶ ", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    func eval(_ source: String) throws -> ExprValue {
        var env = ExprEnvironment(flat: [:])
        env.now = ExprTime(seconds: 1_700_000_000)
        return try Expression.parse(source, dialect: .expr).evaluate(in: env)
    }

    @Test func everyRowGivesSprigsValue() throws {
        var wrong: [String] = []
        for (source, expected) in Self.rows {
            let want = try #require(ExprValue.fromJSONText(expected), "bad JSON in the table: \(expected)")
            do {
                let got = try eval(source)
                if got != want { wrong.append("\(source) gave \(got.jsonText), not \(expected)") }
            } catch {
                wrong.append("\(source) failed: \(error)")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) of \(Self.rows.count) rows differ:\n\(wrong.joined(separator: "\n"))")
        #expect(Self.rows.count > 300)
    }

    /// Calls that fail in Go's sprig fail here too; where the message is sprig's own, it is kept.
    @Test(arguments: [
        ("sprig.divf(1, 0)", "decimal division by zero"),
        ("sprig.append('abc', 'd')", "Cannot push on type string"),
        ("sprig.slice([1, 2, 3], 2, 5)", ""),
        ("sprig.dig('a', 'b', 'x', {'a': 1})", ""),
        ("sprig.semver('bad')", "Invalid Semantic Version"),
        ("sprig.semverCompare('badConstraint', '1.2.3')", "improper constraint: badConstraint"),
        ("sprig.semverCompare('1.2.0', 'badVersion')", "Invalid Semantic Version"),
        ("sprig.fail('Please accept the end user license agreement')", "Please accept the end user license agreement"),
        ("sprig.mod(7, 0)", ""),
        ("sprig.atoi(42)", "")
    ])
    func failsAsSprigDoes(_ source: String, _ message: String) {
        do {
            let v = try eval(source)
            Issue.record("\(source) gave \(v.jsonText)")
        } catch {
            #expect("\(error)".contains(message), "\(source): \(error)")
        }
    }

    @Test func randomValuesHaveTheirShape() throws {
        for (fn, allowed) in [("randAlphaNum", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
                              ("randAlpha", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), ("randNumeric", "0123456789")] {
            guard case .string(let s) = try eval("sprig.\(fn)(40)") else { Issue.record("\(fn) gave no text"); continue }
            #expect(s.count == 40 && s.allSatisfy { allowed.contains($0) }, "\(fn): \(s)")
        }
        guard case .string(let ascii) = try eval("sprig.randAscii(50)") else { Issue.record("randAscii"); return }
        #expect(ascii.count == 50 && ascii.unicodeScalars.allSatisfy { (32...126).contains($0.value) })
        guard case .string(let uuid) = try eval("sprig.uuidv4()") else { Issue.record("uuidv4"); return }
        #expect(uuid.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil, "\(uuid)")
        #expect(try eval("sprig.uuidv4()") != eval("sprig.uuidv4()"))
        guard case .int(let n) = try eval("sprig.randInt(5, 8)") else { Issue.record("randInt"); return }
        #expect((5..<8).contains(n))
        guard case .string(let bytes) = try eval("sprig.randBytes(12)") else { Issue.record("randBytes"); return }
        #expect(Base64.decode(bytes)?.count == 12)
        guard case .string(let shuffled) = try eval("sprig.shuffle('abcdef')") else { Issue.record("shuffle"); return }
        #expect(shuffled.sorted() == Array("abcdef"))
    }

    /// `semver` gives the version's parts (Go's methods, as fields); the time functions read
    /// the environment's clock.
    @Test func semverPartsAndClockFunctions() throws {
        #expect(try eval("sprig.semver('1.2.3-beta.1+c0ff33').Prerelease") == .string("beta.1"))
        #expect(try eval("sprig.semver('v1.2').String") == .string("1.2.0"))
        #expect(try eval("sprig.semver('1.3.3').Major") == .int(1))
        #expect(try eval("sprig.htmlDate(sprig.now())") == .string("2023-11-14"))
        #expect(try eval("sprig.htmlDate('not a date')") == .string("2023-11-14"))
        #expect(try eval("sprig.durationRound(sprig.toDate('2006-01-02', '2023-11-10'))") == .string("4d"))
    }

    @Test func keyAndCertificateHelpersAreRefusedByName() {
        for fn in Sprig.unsupported {
            #expect(throws: ExpressionError.self) { try eval("sprig.\(fn)('x')") }
        }
        do {
            _ = try eval("sprig.genCA('x', 365)")
        } catch {
            #expect("\(error)".contains("sprig.genCA is not supported by Skein"), "\(error)")
        }
    }
}
