//! The rule catalogue: every rule ID of `rules.md`, with a French title and text, an English
//! text and its source, for the UI's "pourquoi ?" and for the `source` of each diagnostic.

/// One rule of `rules.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RuleInfo {
    pub id: &'static str,
    pub family: &'static str,
    pub title_fr: &'static str,
    pub text_fr: &'static str,
    pub text_en: &'static str,
    /// E.g. `seed 003`, `public`, `seed 003 + default`.
    pub source: &'static str,
    /// The rule is (partly) a project choice, configurable in [`super::Settings`].
    pub is_default: bool,
}

macro_rules! r {
    ($id:literal, $fam:literal, $title:literal, $fr:literal, $en:literal, $src:literal, $def:literal) => {
        RuleInfo {
            id: $id,
            family: $fam,
            title_fr: $title,
            text_fr: $fr,
            text_en: $en,
            source: $src,
            is_default: $def,
        }
    };
}

static RULES: &[RuleInfo] = &[
    // LIF
    r!(
        "LIF-01",
        "LIF",
        "Charte de référencement",
        "L'accès à l'espace de référencement exige un compte éditeur authentifié ; le représentant légal doit avoir accepté la Charte de référencement avant toute création de dossier administratif.",
        "Access requires an authenticated editor account; the legal representative must have accepted the Charte de référencement before any administrative dossier is created.",
        "public",
        false
    ),
    r!(
        "LIF-02",
        "LIF",
        "Dossier administratif et éligibilité",
        "Le dossier administratif comprend la candidature administrative et le formulaire d'éligibilité : NIE de l'éditeur, un NIL par nom commercial, preuve d'une demande de conformité CNDA au moins au statut « Pré-examen ». Tout manque rend le dossier incomplet.",
        "The administrative dossier is the administrative candidature plus the eligibility form: the editor's NIE, one NIL per commercial name, and proof of a CNDA conformity request at least at \"Pré-examen\". Anything missing makes the dossier incomplete.",
        "seed 004",
        false
    ),
    r!(
        "LIF-03",
        "LIF",
        "Preuves des profils choisis",
        "Les preuves se déposent par chapitre du REM, uniquement pour les exigences des profils choisis par la candidature, plus le profil « Général » toujours applicable.",
        "Proofs are deposited per REM chapter, only for the requirements of the selected profiles plus the always-applicable \"Général\" profile.",
        "seed 004",
        false
    ),
    r!(
        "LIF-04",
        "LIF",
        "Candidature administrative avant D1",
        "La candidature administrative doit être déposée avant la date D1 de son dispositif.",
        "The administrative candidature must be filed before D1 of its dispositif.",
        "seed 001",
        false
    ),
    r!(
        "LIF-05",
        "LIF",
        "Dossier complet avant D2",
        "Le dossier complet des preuves doit être déposé avant D2 ; la date à laquelle il est réputé complet est enregistrée (elle conditionne BDC-02).",
        "The complete proof dossier must be deposited before D2; the date it is deemed complete is recorded (it drives BDC-02).",
        "seed 001, 002",
        false
    ),
    r!(
        "LIF-06",
        "LIF",
        "Demandes de complément sans réponse",
        "Les demandes de complément de l'ANS passent par la plateforme ; sans réponse de l'éditeur au-delà de 5 jours (calendaires par défaut), la candidature est signalée « instruction retardée ».",
        "ANS complement requests go through the platform; unanswered for more than 5 days (calendar days by default), the candidature is flagged \"instruction delayed\".",
        "seed 004 + default",
        true
    ),
    r!(
        "LIF-07",
        "LIF",
        "Pas de demande de complément après D3",
        "Aucune nouvelle demande de complément ne peut être ouverte après D3.",
        "No new complement request can be opened after D3.",
        "seed 001",
        false
    ),
    r!(
        "LIF-08",
        "LIF",
        "Un NRU et une attestation par candidature",
        "Le référencement délivre exactement un NRU et une attestation de référencement par candidature ; l'attestation liste chaque nom commercial et son NIL.",
        "Referencing issues exactly one NRU and one attestation per candidature; the attestation lists every commercial name and its NIL.",
        "seed 003",
        false
    ),
    r!(
        "LIF-09",
        "LIF",
        "Déclaration modifiée en cours de parcours",
        "La déclaration (architecture, composants, noms) peut changer en cours de parcours ; après dépôt de preuves, les preuves des chapitres impactés sont « à requalifier ».",
        "The declaration (architecture, components, names) may change during the journey; once proofs were deposited, proofs of impacted chapters are \"to requalify\".",
        "public",
        false
    ),
    r!(
        "LIF-10",
        "LIF",
        "Modification sans impact sur la conformité",
        "Une modification sans impact sur la conformité (par exemple un correctif) conserve le référencement ; toute modification est documentée par l'éditeur (convention, art. 10).",
        "A modification that does not affect conformity (e.g. a corrective patch) keeps the referencing; every modification is documented by the editor (convention art. 10).",
        "seed 003",
        false
    ),
    // HER
    r!(
        "HER-01",
        "HER",
        "Héritage du référencement vague 1",
        "Une solution référencée en vague 1 sur un dispositif X qui candidate sur X en vague 2 hérite de son référencement : les preuves vague 1 validées et reprises dans le REM vague 2 ne sont pas redéposées (statut HÉRITÉE). Uniquement pour la même solution.",
        "A solution referenced in va1 on dispositif X candidating on X in va2 inherits its va1 referencing: va1 proofs validated then and carried into the va2 REM are not redeposited (INHERITED). Same solution only.",
        "seed 003",
        false
    ),
    r!(
        "HER-02",
        "HER",
        "NRU d'héritage déclaré à la candidature",
        "Un NRU d'héritage doit être déclaré au moment de la candidature.",
        "A heritage NRU must be declared at candidature time.",
        "seed 003",
        false
    ),
    r!(
        "HER-03",
        "HER",
        "Un NRU d'héritage du même dispositif",
        "Hors couloir médico-social, une candidature déclare au plus un NRU d'héritage, issu du même dispositif en vague 1.",
        "Outside the médico-social couloir a candidature declares at most one heritage NRU, from the same dispositif in va1.",
        "seed 003 + default",
        true
    ),
    r!(
        "HER-04",
        "HER",
        "Exception médico-sociale",
        "Médico-social : l'héritage s'applique quel que soit le dispositif MS vague 1 (MS1 ou MS2) et plusieurs NRU d'héritage peuvent être déclarés ; chacun transmet les preuves vague 1 des profils pour lesquels il était référencé, plus « Général ».",
        "Médico-social: heritage applies whichever va1 MS dispositif (MS1 or MS2) the NRU comes from, and several heritage NRUs may be declared; each gives the va1 proofs of its referenced profiles plus \"Général\".",
        "seed 003",
        false
    ),
    r!(
        "HER-05",
        "HER",
        "Héritage et équivalence se cumulent",
        "Héritage et équivalence se combinent sur une même candidature.",
        "Héritage and équivalence combine on one candidature.",
        "seed 003",
        false
    ),
    r!(
        "HER-06",
        "HER",
        "Pas d'héritage entre dispositifs différents",
        "Un référencement vague 1 sur un autre dispositif ne donne aucune réutilisation sur un dispositif vague 2.",
        "A va1 referencing on a different dispositif gives no reuse on a va2 dispositif.",
        "default",
        true
    ),
    // EQV
    r!(
        "EQV-01",
        "EQV",
        "Composant principal identique",
        "L'équivalence exige un composant principal identique à celui de la solution racine ; pas d'équivalence par module.",
        "Équivalence requires the candidate's principal component to be identical to the root solution's; no equivalence by module.",
        "seed 003",
        false
    ),
    r!(
        "EQV-02",
        "EQV",
        "Un seul NRU racine",
        "Une candidature déclare zéro ou un NRU racine.",
        "A candidature declares zero or one root NRU.",
        "seed 003",
        false
    ),
    r!(
        "EQV-03",
        "EQV",
        "NRU racine d'une solution référencée",
        "Le NRU racine doit appartenir à une solution déjà référencée.",
        "The root NRU must belong to an already referenced solution.",
        "seed 003",
        false
    ),
    r!(
        "EQV-04",
        "EQV",
        "NRU racine déclaré avant D2",
        "Le NRU racine doit être déclaré strictement avant D2 du dispositif de la candidature ; la candidature peut être rouverte pour l'ajouter.",
        "The root NRU must be declared strictly before D2 of the candidate's dispositif; the candidature may be reopened to add it.",
        "seed 003",
        false
    ),
    r!(
        "EQV-05",
        "EQV",
        "Compatibilité ascendante",
        "Pour chaque composant, la version racine doit être inférieure ou égale à la version candidate (comparaison numérique pointée).",
        "For every component, root version ≤ candidate version (dotted numeric comparison).",
        "seed 003 + default",
        true
    ),
    r!(
        "EQV-06",
        "EQV",
        "Preuves exemptées par équivalence",
        "Sont exemptées les preuves des exigences que la liste d'équivalence publiée fait correspondre entre le dispositif racine et celui de la candidature, et qui ont été validées dans le référencement racine (statut ÉQUIVALENTE, avec NRU racine et exigence source). Les preuves hors liste, spécifiques à un profil ou des chapitres impactés par des composants nouveaux restent à déposer.",
        "Exempted are proofs of requirements the published equivalence list maps between the root's dispositif and the candidate's and that were validated in the root referencing (EQUIVALENT, with root NRU and source requirement). Proofs not in the list, profile-specific proofs and proofs of chapters impacted by new components must be deposited.",
        "seed 003",
        false
    ),
    r!(
        "EQV-07",
        "EQV",
        "Cas 1A : même solution, autre dispositif",
        "Dispositifs vague 2 distincts, solution identique (composants principal, additionnels et proxy), même nom commercial : une candidature avec NRU racine.",
        "Distinct va2 dispositifs, identical solution, same commercial name: one candidature with a root NRU.",
        "seed 003",
        false
    ),
    r!(
        "EQV-08",
        "EQV",
        "Cas 2A : autres noms commerciaux",
        "Solution identique sous un ou plusieurs autres noms commerciaux : une candidature, NRU racine, tous les noms (un NIL chacun) et une attestation sur l'honneur signée.",
        "Identical solution under other commercial names: one candidature, root NRU, all names (one NIL each) and a signed attestation sur l'honneur.",
        "seed 003",
        false
    ),
    r!(
        "EQV-09",
        "EQV",
        "Cas 3A : autres composants additionnels ou proxy",
        "Même composant principal mais composants additionnels ou proxy différents : chaque configuration est une solution distincte, donc une candidature par configuration déclarant NRU racine, composants nouveaux, chapitres impactés, noms et attestation sur l'honneur.",
        "Same principal component but different additional or proxy components: one candidature per configuration, each declaring root NRU, new components, impacted chapters, names and an attestation.",
        "seed 003",
        false
    ),
    r!(
        "EQV-10",
        "EQV",
        "Cas 1B/2B : au sein d'un même dispositif",
        "Dans un même dispositif, les preuves communes sont déposées une fois entre candidatures partageant le composant principal ; en 2B chaque configuration est sa propre candidature (nouveau NRU) déclarant ses composants nouveaux et une attestation.",
        "Within one dispositif, common proofs are deposited once across candidatures sharing the principal component; in 2B each configuration is its own candidature declaring its new components and an attestation.",
        "seed 003",
        false
    ),
    r!(
        "EQV-11",
        "EQV",
        "Plusieurs candidatures d'une même solution",
        "Plusieurs candidatures d'une même solution sur un même dispositif ne sont admises que si leurs profils et leurs numéros de version diffèrent tous deux.",
        "Several candidatures of one solution on one dispositif are allowed only if both their profile sets and version numbers differ.",
        "seed 003 + default",
        true
    ),
    r!(
        "EQV-12",
        "EQV",
        "Racine dans le même dispositif",
        "Dans un même dispositif, une fois une candidature référencée, les autres peuvent utiliser son NRU comme racine mais doivent le déclarer avant D2.",
        "Within one dispositif, once one candidature is referenced, the others may use its NRU as root but must declare it before D2.",
        "seed 003",
        false
    ),
    r!(
        "EQV-13",
        "EQV",
        "Retrait du référencement racine",
        "Si le référencement racine est retiré, chaque preuve ÉQUIVALENTE qui en dépend redevient « à déposer » et les candidatures concernées sont notifiées.",
        "If a root referencing is withdrawn, every EQUIVALENT proof depending on it returns to \"to deposit\" and dependent candidatures are notified.",
        "default",
        true
    ),
    // NAM
    r!(
        "NAM-01",
        "NAM",
        "Noms commerciaux regroupés",
        "Tous les noms commerciaux d'une solution sont regroupés dans une candidature, chacun avec son NIL et sa version technique ; plus d'un nom exige l'attestation sur l'honneur signée.",
        "All commercial names of one solution are grouped in one candidature, each with its NIL and technical version; more than one name requires the signed attestation sur l'honneur.",
        "seed 003",
        false
    ),
    // CNDA
    r!(
        "CNDA-01",
        "CNDA",
        "Une demande CNDA par NIL",
        "Une demande de conformité CNDA par nom commercial (par NIL) de la solution candidate.",
        "One CNDA conformity request per commercial name (per NIL).",
        "seed 003",
        false
    ),
    r!(
        "CNDA-02",
        "CNDA",
        "Nouvelle demande CNDA si la version change",
        "À NIL inchangé, une nouvelle demande est requise si la version du logiciel a changé ou si les versions de référentiels exigées par le REM (guide DMP, INS…) diffèrent de la conformité antérieure (ex. GI DMP 2.10 MCO2 au lieu de 2.9).",
        "With an unchanged NIL, a new request is required when the software version changed or the referential versions required by the REM differ (e.g. DMP guide 2.10 MCO2 replacing 2.9).",
        "seed 003, 001",
        false
    ),
    r!(
        "CNDA-03",
        "CNDA",
        "Accès à l'environnement de test CNDA",
        "L'accès à l'environnement de test CNDA suit la validation du chapitre PMT au guichet éditeur EDC PSC : 1 autorisation si l'éditeur détient les profils utilisateur et proxy, 2 avec un proxy tiers.",
        "CNDA test-environment access follows validation of the PMT chapter on the EDC PSC editor counter: 1 authorisation with own user and proxy profiles, 2 with a third-party proxy.",
        "seed 001",
        false
    ),
    r!(
        "CNDA-04",
        "CNDA",
        "Homologation finale et habilitations PSC",
        "L'homologation CNDA finale exige le dépôt des habilitations EDC PSC (LPS et proxy propres, ou LPS et habilitation du proxy tiers).",
        "Final CNDA homologation requires the EDC PSC habilitations to be deposited (own LPS + own proxy, or LPS + the third-party proxy's).",
        "seed 001",
        false
    ),
    // PSC
    r!(
        "PSC-01",
        "PSC",
        "Habilitation valable 3 ans",
        "Une habilitation est valable 3 ans à compter de sa délivrance (même date calendaire trois ans plus tard).",
        "A habilitation is valid 3 years from issue (same calendar date three years later).",
        "seed 003",
        false
    ),
    r!(
        "PSC-02",
        "PSC",
        "LPS et proxy habilités séparément",
        "LPS et proxy habilités séparément : les preuves déjà validées par composant ne sont pas redemandées ; un composant modifié repasse seul.",
        "LPS and proxy habilitated separately: proofs validated per component are not requested again; a modified component re-passes alone.",
        "seed 003",
        false
    ),
    r!(
        "PSC-03",
        "PSC",
        "Monobloc",
        "Monobloc (LPS et proxy conjoints) : l'équivalence ne se scinde pas ; modifier l'un des composants fait repasser les deux.",
        "Monobloc (joint LPS + proxy): equivalence cannot be split; modifying either component makes both re-pass.",
        "seed 003",
        false
    ),
    r!(
        "PSC-04",
        "PSC",
        "Proxy habilité seul",
        "Proxy habilité seul : réutilisable par d'autres solutions du même éditeur ou groupe sans nouvelle habilitation ; un proxy modifié repasse seul.",
        "Proxy habilitated alone: reusable by other solutions of the same editor/group; a modified proxy re-passes alone.",
        "seed 003",
        false
    ),
    r!(
        "PSC-05",
        "PSC",
        "LPS habilité seul",
        "LPS habilité seul : une nouvelle candidature avec un autre proxy n'a besoin que des preuves propres du nouveau proxy ; un LPS modifié repasse seul.",
        "LPS habilitated alone: a new candidature with a different proxy needs only the new proxy's own proofs; a modified LPS re-passes alone.",
        "seed 003",
        false
    ),
    r!(
        "PSC-06",
        "PSC",
        "Guichet opérateur",
        "Guichet opérateur : toute modification de la solution opérée impose une nouvelle habilitation opérateur ; une candidature et une habilitation opérateur par nom commercial.",
        "Operator counter: any modification of the operated solution requires a new operator habilitation; one operator candidature and habilitation per commercial name.",
        "seed 003",
        false
    ),
    r!(
        "PSC-07",
        "PSC",
        "Guichet éditeur et plusieurs noms",
        "Guichet éditeur avec plusieurs noms : une autorisation d'environnement de test et une attestation d'habilitation listant chaque nom et NIL ; la solution est déclarée « paramétrable ».",
        "Editor counter with several names: one test-environment authorisation and one habilitation attestation listing every name and NIL; the solution is declared \"paramétrable\".",
        "seed 003",
        false
    ),
    // PEN
    r!(
        "PEN-01",
        "PEN",
        "Test d'intrusion exigé",
        "Une preuve de test d'intrusion est exigée sous SC.PSC.14 pour les éditeurs soumis à l'homologation EDC PSC, et sous SC.SSI/GEN.18 pour le profil médico-social AHI.",
        "A pentest proof is required under SC.PSC.14 for editors subject to EDC PSC homologation, and under SC.SSI/GEN.18 for the médico-social AHI profile.",
        "seed 004",
        false
    ),
    r!(
        "PEN-02",
        "PEN",
        "Prestataire PASSI",
        "Le prestataire doit être qualifié PASSI (un audit PASSI complet n'est pas exigé).",
        "The provider must be PASSI-qualified (a full PASSI audit is not required).",
        "seed 004",
        false
    ),
    r!(
        "PEN-03",
        "PEN",
        "Signature électronique du formulaire",
        "Le formulaire ANS de test d'intrusion doit être signé électroniquement par le prestataire ; une signature manuscrite scannée ne vaut pas.",
        "The ANS pentest form must be electronically signed by the provider; a scanned handwritten signature does not count.",
        "seed 004",
        false
    ),
    r!(
        "PEN-04",
        "PEN",
        "Formulaire de moins d'un an",
        "Le formulaire doit dater de moins d'un an avant la date de dépôt de la preuve (date de référence par défaut).",
        "The form must be dated less than one year before the proof's deposit date (default reference date).",
        "seed 004 + default",
        true
    ),
    r!(
        "PEN-05",
        "PEN",
        "Tous les noms et versions couverts",
        "Le formulaire ou le rapport mentionne chaque nom commercial et chaque version technique ; un test couvre tous les noms d'une solution.",
        "The form/report mentions every commercial name and technical version; one pentest covers all names of one solution.",
        "seed 003",
        false
    ),
    r!(
        "PEN-06",
        "PEN",
        "Environnement iso-production",
        "Le test devrait se dérouler sur un environnement iso-production plutôt qu'en production.",
        "The test should run on an iso-production environment rather than production.",
        "seed 004",
        false
    ),
    // CAL
    r!(
        "CAL-01",
        "CAL",
        "Dates D0 à D6",
        "Chaque dispositif a des dates D0 à D6 (arrêté, candidature administrative, dossier complet, fin des échanges, fin des avances, fin des prestations, fin des soldes), instants à l'heure de Paris.",
        "Each dispositif has dates D0–D6 (arrêté, administrative candidature, complete dossier, end of exchanges, end of advances, end of prestations, end of balances), instants in Europe/Paris.",
        "seed 001, 002",
        false
    ),
    r!(
        "CAL-02",
        "CAL",
        "Calendriers versionnés par arrêté",
        "Un arrêté modificatif remplace les dates à compter de sa publication ; l'historique reste visible ; chaque contrôle utilise le calendrier en vigueur à la date de l'événement contrôlé (par défaut).",
        "An amending arrêté replaces dates from its publication; history stays visible; each check uses the calendar in force at the date of the checked event (default).",
        "seed 001 + default",
        true
    ),
    r!(
        "CAL-03",
        "CAL",
        "Dates sur jours ouvrés",
        "Les dates modifiées tombent des jours ouvrés (hors week-ends et jours fériés français) ; la plateforme calcule des décalages en jours ouvrés.",
        "Amended dates are on working days (weekends and French public holidays excluded); the platform computes working-day offsets.",
        "seed 001",
        false
    ),
    // DEP
    r!(
        "DEP-01",
        "DEP",
        "Jalon de dépôt MDV",
        "MDV vague 2 : au 22/07/2026 (fin de journée), au moins 25 preuves du profil Général vague 2 déposées et, sans héritage, au moins 50 preuves Général vague 1 ; une ligne (exigence, scénario, preuve) compte quel que soit son statut d'instruction (par défaut).",
        "MDV va2: by 22/07/2026 (end of day) at least 25 Général va2 proofs deposited and, without heritage, at least 50 Général va1 proofs; one (requirement, scenario, proof) item counts whatever its review status (default).",
        "seed 001 + default",
        true
    ),
    r!(
        "DEP-02",
        "DEP",
        "Suivi mensuel et risque",
        "Suivi mensuel par éditeur et solution : taux de dépôt déclaré et réel, date prévue de dépôt complet ; chaque candidature est classée à risque « élevé », « modéré » ou « sans risque » (seuils paramétrables).",
        "Monthly progress per editor and solution; each candidature is classified at risk \"élevé\", \"modéré\" or \"sans risque\" (configurable thresholds).",
        "seed 001 + default",
        true
    ),
    // BDC
    r!(
        "BDC-01",
        "BDC",
        "Bon de commande à partir de D0",
        "Un bon de commande peut être émis au plus tôt à D0.",
        "An order may be emitted at D0 at the earliest.",
        "seed 002",
        false
    ),
    r!(
        "BDC-02",
        "BDC",
        "Bon de commande signé avant référencement",
        "Un bon signé avant le référencement doit l'être au plus 120 jours calendaires avant la date où le dossier complet a été réputé déposé.",
        "An order signed before referencing must be signed no more than 120 calendar days before the complete dossier was deemed deposited.",
        "seed 002",
        false
    ),
    r!(
        "BDC-03",
        "BDC",
        "Exception MDV avant le 15/04/2026",
        "MDV vague 2 : BDC-02 ne s'applique pas à un bon signé strictement avant le 15/04/2026.",
        "MDV va2: BDC-02 does not apply to an order signed strictly before 15/04/2026.",
        "seed 001 + default",
        true
    ),
    r!(
        "BDC-04",
        "BDC",
        "Bon signé et déposé avant D4",
        "Le bon signé doit être signé et déposé (avec la demande d'avance) avant D4.",
        "The signed order must be signed and deposited (with the advance request) before D4.",
        "seed 002 + public",
        false
    ),
    r!(
        "BDC-05",
        "BDC",
        "Mention « sous condition de référencement »",
        "Un bon signé avant le référencement porte la mention « sous condition de référencement ».",
        "An order signed before referencing carries the \"sous condition de référencement\" mention.",
        "public",
        false
    ),
    r!(
        "BDC-06",
        "BDC",
        "Prestation sans condition",
        "Une prestation ne peut être conditionnée à un réengagement, une option payante ou un autre produit payant ; une mise à niveau préalable n'est facturable que si l'éditeur a déclaré la version du client obsolète.",
        "A Prestation may not be conditioned on a re-engagement, a paid option or another paid product; a prior catch-up update may be charged only if the client's version was declared obsolete.",
        "seed 002",
        false
    ),
    // FIN
    r!(
        "FIN-01",
        "FIN",
        "Unicité du financement",
        "Une seule prestation financée par identifiant de structure (ex. FINESS) et par SONS.",
        "One financed Prestation per structure identifier (e.g. FINESS) per SONS.",
        "seed 002",
        false
    ),
    r!(
        "FIN-02",
        "FIN",
        "Prestation « Vague 1 + Vague 2 »",
        "La prestation « Vague 1 + Vague 2 » est réservée aux clients n'ayant ni bénéficié du SONS vague 1 correspondant ni payé eux-mêmes une mise à jour vers une version référencée vague 1 ; les autres ne commandent que « Vague 2 ».",
        "\"Vague 1 + Vague 2\" only for clients that neither benefited from the matching va1 SONS nor paid an update to a va1-referenced version; others order \"Vague 2\" only.",
        "seed 002",
        false
    ),
    r!(
        "FIN-03",
        "FIN",
        "Plafonds et montants",
        "Les montants respectent le plafond du SONS pour le client ; plafond Va1+Va2 = plafond Va2 + sa part complémentaire ; montants en euros à 2 décimales, HT et TTC (TVA 20 %).",
        "Amounts respect the SONS cap for that client; Va1+Va2 cap = Va2 cap + its extra component; euros with 2 decimals, HT and TTC (20 % VAT).",
        "seed 002 + public",
        false
    ),
    r!(
        "FIN-04",
        "FIN",
        "Demandes d'avance et de solde",
        "Les demandes d'avance et de solde sont des documents JSON (et pièces jointes) validés par un simulateur avant dépôt ; statuts : déposée, à modifier, validée, décidée et payée.",
        "Advance and balance requests are JSON documents validated by a simulator before deposit; statuses: déposée, à modifier, validée, décidée et payée.",
        "seed 001 + public",
        false
    ),
    r!(
        "FIN-05",
        "FIN",
        "Enrôlement après référencement",
        "L'enrôlement de l'éditeur pour le paiement n'est possible qu'une fois référencé.",
        "Editor enrolment for payment is possible only once referenced.",
        "public",
        false
    ),
    // PRE
    r!(
        "PRE-01",
        "PRE",
        "Début de la prestation",
        "Une prestation peut commencer une fois la solution référencée et le bon signé ; la validation ASP du bon n'est pas exigée (elle est recommandée).",
        "A Prestation may start once the solution is referenced and the order signed; ASP validation of the order is recommended, not required.",
        "seed 001",
        false
    ),
    r!(
        "PRE-02",
        "PRE",
        "Fin avant D5, VA avant D6",
        "Les prestations se terminent avant D5 ; la VA est signée avant D6.",
        "Prestations end before D5; the VA is signed before D6.",
        "seed 002",
        false
    ),
    r!(
        "PRE-03",
        "PRE",
        "Pilote",
        "Pilote : la VA ne peut être signée qu'après validation par l'ANS du PV pilote ; une observation de 2 semaines après installation complète est recommandée.",
        "Pilot: the VA may be signed only after ANS validated the pilot PV; a 2-week observation after complete installation is recommended.",
        "seed 001",
        false
    ),
    r!(
        "PRE-04",
        "PRE",
        "Contenu de la prestation",
        "Droits d'usage pour la durée restante du contrat (5 ans max), installation jusqu'à l'activation effective, flux, maintenance corrective (5 ans max), portabilité, formation.",
        "Rights of use for the remaining support contract (max 5 years), installation to effective activation, flows, corrective maintenance (max 5 years), portability, training.",
        "seed 002",
        false
    ),
    // PUB
    r!(
        "PUB-01",
        "PUB",
        "Publication",
        "Sont publiés : les solutions référencées, celles en cours de référencement et l'obsolescence des versions.",
        "Published: referenced solutions, solutions being referenced and the obsolescence status of versions.",
        "seed 002",
        false
    ),
    // REM
    r!(
        "REM-01",
        "REM",
        "REM versionné et immuable",
        "Un REM est versionné et immuable une fois publié ; chaque candidature est rattachée à une version ; chaque nouvelle version a un journal des changements.",
        "A REM is versioned and immutable once published; each candidature is pinned to one version; a new version comes with a change log.",
        "seed 001",
        false
    ),
    r!(
        "REM-02",
        "REM",
        "Identifiants d'exigences",
        "Identifiants : un préfixe (SC., CH. ou métier comme LGC.), une section pouvant contenir « / », puis des numéros pointés ; une ligne du REM = exigence × scénario × numéro de preuve.",
        "Requirement IDs: a prefix (SC., CH. or a business prefix), a section that may contain '/', then dotted numbers; one REM row = requirement × scenario × proof number.",
        "public",
        false
    ),
    r!(
        "REM-03",
        "REM",
        "Changement de version du REM",
        "Passer une candidature à une nouvelle version du REM classe chaque exigence inchangée / reformulée / nouvelle / supprimée et conserve les preuves des exigences inchangées.",
        "Moving a candidature to a new REM version classifies each requirement unchanged / reworded / new / removed and keeps proofs of unchanged ones.",
        "default",
        true
    ),
];

/// The rule of that ID (e.g. `EQV-04`), if it exists.
pub fn rule(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// Every rule, in `rules.md` order.
pub fn all_rules() -> &'static [RuleInfo] {
    RULES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_every_rule_of_rules_md() {
        let expected = [
            ("LIF", 10),
            ("HER", 6),
            ("EQV", 13),
            ("NAM", 1),
            ("CNDA", 4),
            ("PSC", 7),
            ("PEN", 6),
            ("CAL", 3),
            ("DEP", 2),
            ("BDC", 6),
            ("FIN", 5),
            ("PRE", 4),
            ("PUB", 1),
            ("REM", 3),
        ];
        for (fam, n) in expected {
            for i in 1..=n {
                let id = format!("{fam}-{i:02}");
                let r = rule(&id).unwrap_or_else(|| panic!("{id} missing"));
                assert_eq!(r.family, fam);
                assert!(!r.text_fr.is_empty() && !r.text_en.is_empty() && !r.source.is_empty());
            }
        }
        assert_eq!(
            all_rules().len(),
            expected.iter().map(|(_, n)| n).sum::<usize>()
        );
        assert!(rule("EQV-14").is_none());
    }

    #[test]
    fn default_rules_are_flagged() {
        for id in [
            "LIF-06", "HER-03", "HER-06", "EQV-05", "EQV-11", "EQV-13", "PEN-04", "CAL-02",
            "DEP-01", "DEP-02", "BDC-03",
        ] {
            assert!(rule(id).unwrap().is_default, "{id}");
        }
        assert!(!rule("EQV-04").unwrap().is_default);
    }
}
