// Sizes of the store.
CALL { MATCH (i:Identifier) RETURN count(i) AS identifiers }
CALL { MATCH (c:Customer) RETURN count(c) AS customers }
CALL { MATCH ()-[l:LINK]->() RETURN count(l) AS links }
CALL { MATCH (o:Observation) RETURN count(o) AS observations }
CALL { MATCH (e:Event) RETURN count(e) AS events }
RETURN identifiers, customers, links, observations, events
